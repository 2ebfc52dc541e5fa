package io.caravan.ops;

import java.security.AccessController;
import java.security.Principal;
import javax.security.auth.Subject;

/**
 * Who runs an MBean operation, for the audit trails. Through Jolokia it is the user the management server's
 * authentication accepted: {@link OperatorJolokia} runs Jolokia's handler with that user set on the worker
 * thread, and Jolokia invokes the MBean on that same thread. Through a JMX connector it is the connector's
 * authenticated subject; a call from inside the JVM (a local JMX client, a test) has neither and is
 * {@value #LOCAL_JMX}.
 */
public final class Operator {
    public static final String LOCAL_JMX = "jmx:local";
    static final String JOLOKIA_PREFIX = "jolokia:";
    static final String ANONYMOUS = "anonymous";

    private static final ThreadLocal<String> JOLOKIA_USER = new ThreadLocal<>();

    private Operator() {}

    /** Runs {@code work} with {@code user} as the Jolokia user of this thread. */
    static void asJolokiaUser(String user, Runnable work) {
        String before = JOLOKIA_USER.get();
        JOLOKIA_USER.set(JOLOKIA_PREFIX + (user == null || user.isBlank() ? ANONYMOUS : user));
        try {
            work.run();
        } finally {
            if (before == null) {
                JOLOKIA_USER.remove();
            } else {
                JOLOKIA_USER.set(before);
            }
        }
    }

    /** The principal of the operation running on this thread. */
    public static String current() {
        String jolokia = JOLOKIA_USER.get();
        if (jolokia != null) {
            return jolokia;
        }
        return connectorSubject().orElse(LOCAL_JMX);
    }

    // JMX connectors run the call as the authenticated Subject; Java 17 still reads it this way
    @SuppressWarnings("removal")
    private static java.util.Optional<String> connectorSubject() {
        Subject subject = Subject.getSubject(AccessController.getContext());
        if (subject == null) {
            return java.util.Optional.empty();
        }
        return subject.getPrincipals().stream()
                .map(Principal::getName)
                .sorted()
                .findFirst()
                .map(name -> "jmx:" + name);
    }
}
