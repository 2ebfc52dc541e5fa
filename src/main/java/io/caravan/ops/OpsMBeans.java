package io.caravan.ops;

import io.caravan.config.Reconciler;
import io.caravan.config.RouteConfigValidator;
import io.caravan.saga.SagaFamily;
import io.caravan.store.ConfigAudit;
import io.caravan.store.DeadLetters;
import io.caravan.store.DrainProfiles;
import io.caravan.store.ExecutionLog;
import io.caravan.store.IdempotencyLedger;
import io.caravan.store.OpsAudit;
import io.caravan.store.ReplayRequests;
import io.caravan.store.RouteConfigStore;
import io.caravan.store.RoutePauses;
import io.caravan.store.Watermarks;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * caravan's MBeans on the platform MBean server (io.caravan:type=Routes, Profiles, Watermarks, Config, Executions,
 * DeadLetters),
 * reached through Jolokia (/observe/jolokia, Hawtio) or a JMX client; every operation is audited in ops_audit.
 */
public final class OpsMBeans implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsMBeans.class);

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final List<ObjectName> registered = new ArrayList<>();

    private OpsMBeans() {}

    /** Registers every MBean, replacing ones an earlier context in the same JVM left (tests). */
    public static OpsMBeans register(
            CamelContext camel,
            DataSource store,
            Clock clock,
            Reconciler reconciler,
            RouteConfigValidator validator,
            MeterRegistry meters,
            IdempotencyLedger ledger,
            DeadLetters deadLetters,
            Duration replayLease,
            SagaFamily sagas) {
        OpsAudit audit = new OpsAudit(store, clock);
        RouteConfigStore configs = new RouteConfigStore(store, clock);
        RoutePauses pauses = new RoutePauses(store, clock);
        DrainProfiles profiles = new DrainProfiles(store);
        OpsMBeans mbeans = new OpsMBeans();
        mbeans.add(
                RoutesControl.OBJECT_NAME,
                RoutesMBean.class,
                new RoutesControl(
                        camel,
                        configs,
                        pauses,
                        new ConfigAudit(store, clock),
                        reconciler,
                        new AuditedOperations(audit, RoutesControl.OBJECT_NAME)));
        mbeans.add(
                ProfilesControl.OBJECT_NAME,
                ProfilesMBean.class,
                new ProfilesControl(
                        configs,
                        profiles,
                        validator,
                        reconciler,
                        new AuditedOperations(audit, ProfilesControl.OBJECT_NAME)));
        mbeans.add(
                WatermarksControl.OBJECT_NAME,
                WatermarksMBean.class,
                new WatermarksControl(
                        new Watermarks(store, clock),
                        configs,
                        reconciler,
                        meters,
                        clock,
                        new AuditedOperations(audit, WatermarksControl.OBJECT_NAME)));
        mbeans.add(
                ConfigControl.OBJECT_NAME,
                ConfigMBean.class,
                new ConfigControl(
                        reconciler,
                        validator,
                        profiles,
                        configs,
                        new AuditedOperations(audit, ConfigControl.OBJECT_NAME)));
        mbeans.add(
                ExecutionsControl.OBJECT_NAME,
                ExecutionsMBean.class,
                new ExecutionsControl(
                        camel,
                        new ExecutionLog(store, clock),
                        pauses,
                        new AuditedOperations(audit, ExecutionsControl.OBJECT_NAME)));
        ReplayRequests replays = new ReplayRequests(store, clock);
        mbeans.add(
                DeadLettersControl.OBJECT_NAME,
                DeadLettersMBean.class,
                new DeadLettersControl(
                        deadLetters, replays, meters, new AuditedOperations(audit, DeadLettersControl.OBJECT_NAME)));
        camel.getRegistry()
                .bind(
                        ReplayWorker.BEAN,
                        new ReplayWorker(replays, deadLetters, ledger, reconciler, meters, replayLease));
        mbeans.add(
                SagasControl.OBJECT_NAME,
                SagasMBean.class,
                new SagasControl(sagas, new AuditedOperations(audit, SagasControl.OBJECT_NAME)));
        return mbeans;
    }

    private <T> void add(String objectName, Class<T> type, T implementation) {
        try {
            ObjectName name = new ObjectName(objectName);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(new DescribedMBean<>(implementation, type), name);
            registered.add(name);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + objectName, e);
        }
    }

    @Override
    public void close() {
        for (ObjectName name : registered) {
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                LOG.debug("{} was already unregistered", name, e);
            }
        }
        registered.clear();
    }
}
