package io.caravan.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Wraps a DataSource and counts statement executions (execute, executeQuery, executeUpdate, executeBatch...): each
 * is one round trip to the database, however many rows or batch entries it carries.
 */
final class CountingDataSource {

    private final AtomicInteger executions = new AtomicInteger();
    private final DataSource proxy;

    CountingDataSource(DataSource target) {
        this.proxy = (DataSource) Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {DataSource.class},
                forward(
                        target,
                        (method, result) -> method.getName().equals("getConnection")
                                ? wrap(Connection.class, result, this::wrapStatements)
                                : result));
    }

    DataSource dataSource() {
        return proxy;
    }

    int executions() {
        return executions.get();
    }

    void reset() {
        executions.set(0);
    }

    private Object wrapStatements(Method method, Object result) {
        if (result instanceof Statement statement) {
            Class<?> type = method.getReturnType();
            return wrap(type, statement, (m, r) -> {
                if (m.getName().startsWith("execute")) {
                    executions.incrementAndGet();
                }
                return r;
            });
        }
        return result;
    }

    @FunctionalInterface
    private interface ResultMapper {
        Object map(Method method, Object result);
    }

    private static Object wrap(Class<?> type, Object target, ResultMapper mapper) {
        return Proxy.newProxyInstance(
                CountingDataSource.class.getClassLoader(), new Class<?>[] {type}, forward(target, mapper));
    }

    private static InvocationHandler forward(Object target, ResultMapper mapper) {
        return (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return mapper.map(method, result);
        };
    }
}
