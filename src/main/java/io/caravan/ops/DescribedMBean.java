package io.caravan.ops;

import java.util.Arrays;
import java.util.Optional;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;

/** A standard MBean whose operations, attributes and parameters carry the {@link Described} texts of its interface. */
final class DescribedMBean<T> extends StandardMBean {
    private final Class<T> type;

    DescribedMBean(T implementation, Class<T> type) throws NotCompliantMBeanException {
        super(implementation, type);
        this.type = type;
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return described(info.getName(), info.getSignature().length)
                .map(Described::value)
                .orElse(super.getDescription(info));
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return described("get" + info.getName(), 0)
                .or(() -> described("is" + info.getName(), 0))
                .map(Described::value)
                .orElse(super.getDescription(info));
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return described(op.getName(), op.getSignature().length)
                .filter(d -> d.params().length > sequence)
                .map(d -> d.params()[sequence])
                .orElse(super.getParameterName(op, param, sequence));
    }

    private Optional<Described> described(String method, int parameters) {
        return Arrays.stream(type.getMethods())
                .filter(m -> m.getName().equals(method) && m.getParameterCount() == parameters)
                .map(m -> m.getAnnotation(Described.class))
                .filter(d -> d != null)
                .findFirst();
    }
}
