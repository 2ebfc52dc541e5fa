package io.caravan.testing;

import io.caravan.template.SecretRoots;

/** The secret roots tests use: the temporary directory (JUnit's @TempDir) and target/ (WebhookSender's files). */
public final class TestSecrets {
    /** The value of caravan.secrets.dirs for test apps. */
    public static final String DIRS = System.getProperty("java.io.tmpdir") + ",target";

    public static final SecretRoots ROOTS = SecretRoots.of(DIRS, SecretRoots.DEFAULT_ENV_PREFIX);

    private TestSecrets() {}
}
