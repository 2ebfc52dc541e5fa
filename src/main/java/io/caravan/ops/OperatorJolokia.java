package io.caravan.ops;

import io.vertx.core.Handler;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.plugin.DefaultJolokiaPlatformHttpPlugin;
import org.apache.camel.component.platform.http.plugin.JolokiaPlatformHttpPlugin;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;

/**
 * Camel's Jolokia on the management port (/observe/jolokia), with the authenticated user passed to caravan's
 * MBeans. The management server looks the plugin up by id in the registry before its own service file, so binding
 * this one under {@value JolokiaPlatformHttpPlugin#NAME} replaces Camel's default, which it wraps unchanged (same
 * access policy, classpath:/jolokia-access.xml). The server runs the handler on a worker thread after its basic
 * authentication set the user on the routing context, and Jolokia invokes the MBean synchronously on that thread:
 * the user is set on the thread for exactly that call.
 */
public final class OperatorJolokia extends ServiceSupport implements JolokiaPlatformHttpPlugin {
    private final DefaultJolokiaPlatformHttpPlugin jolokia = new DefaultJolokiaPlatformHttpPlugin();
    private CamelContext camel;

    @Override
    public String getId() {
        return NAME;
    }

    @Override
    public Object getHandler() {
        @SuppressWarnings("unchecked")
        Handler<RoutingContext> handler = (Handler<RoutingContext>) jolokia.getHandler();
        return (Handler<RoutingContext>)
                context -> Operator.asJolokiaUser(user(context), () -> handler.handle(context));
    }

    private static String user(RoutingContext context) {
        User user = context.user();
        return user == null ? null : user.subject();
    }

    @Override
    protected void doStart() {
        jolokia.setCamelContext(camel);
        ServiceHelper.startService(jolokia);
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(jolokia);
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camel = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camel;
    }
}
