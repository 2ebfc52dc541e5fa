package io.caravan.testing;

import io.caravan.local.LocalAwsServers;

/**
 * One S3Proxy and one ElasticMQ for the whole test JVM, started on first use and stopped at JVM exit. Tests keep
 * apart by bucket and queue names of their own.
 */
public final class LocalAws {
    private static LocalAwsServers servers;

    private LocalAws() {}

    public static synchronized LocalAwsServers shared() {
        if (servers == null) {
            LocalAwsServers started = LocalAwsServers.start(0, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "local-aws-stop"));
            servers = started;
        }
        return servers;
    }
}
