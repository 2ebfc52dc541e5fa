package io.caravan.bench;

import io.caravan.local.LocalAwsServers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What sharing the trigger rows' poll threads costs in latency: N idle ElasticMQ queues, one aws2-sqs consumer each,
 * either on P shared poll threads (caravan's trigger route: not greedy, 100 ms delay, the given long-poll wait) or on a
 * thread each (the old route: 20 s long polls); messages sent to random queues, one every 250 ms, and the time from
 * the send to the consumer's exchange is reported (p50, p90, max).
 *
 * <p>Usage: TriggerPollLatencyBench [--queues 100] [--poll-threads 16 | 0 for a thread per consumer] [--wait 1]
 * [--messages 120]
 */
public final class TriggerPollLatencyBench {
    public static void main(String[] args) throws Exception {
        int queues = 100;
        int pollThreads = 16;
        int wait = 1;
        int messages = 120;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--queues" -> queues = Integer.parseInt(args[i + 1]);
                case "--poll-threads" -> pollThreads = Integer.parseInt(args[i + 1]);
                case "--wait" -> wait = Integer.parseInt(args[i + 1]);
                case "--messages" -> messages = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        LocalAwsServers aws = LocalAwsServers.start(0, 0);
        SqsClient sqs = SqsClient.builder()
                .region(LocalAwsServers.REGION)
                .endpointOverride(aws.sqsEndpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClient(
                        ApacheHttpClient.builder().maxConnections(queues + 20).build())
                .build();
        List<String> urls = new ArrayList<>();
        for (int q = 0; q < queues; q++) {
            String name = "lat-" + q;
            urls.add(sqs.createQueue(b -> b.queueName(name)).queueUrl());
        }
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        DefaultCamelContext camel = new DefaultCamelContext();
        camel.getRegistry().bind("sqs", sqs);
        String shared = "";
        if (pollThreads > 0) {
            ScheduledExecutorService pool =
                    camel.getExecutorServiceManager().newScheduledThreadPool(camel, "poll", pollThreads);
            camel.getRegistry().bind("pollers", pool);
            shared = "&scheduledExecutorService=#pollers&greedy=false";
        } else {
            shared = "&greedy=true";
        }
        int n = queues;
        String options = shared + "&waitTimeSeconds=" + (pollThreads > 0 ? wait : 20)
                + "&delay=100&initialDelay=0&deleteAfterRead=true&amazonSQSClient=#sqs";
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (int q = 0; q < n; q++) {
                    from("aws2-sqs:lat-" + q + "?" + options.substring(1))
                            .process(e -> latencies.add(
                                    System.nanoTime() - Long.parseLong(e.getIn().getBody(String.class))));
                }
            }
        });
        camel.start();
        Thread.sleep(10_000);
        Random random = new Random(7);
        for (int m = 0; m < messages; m++) {
            String url = urls.get(random.nextInt(urls.size()));
            sqs.sendMessage(b -> b.queueUrl(url).messageBody(Long.toString(System.nanoTime())));
            Thread.sleep(250);
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (latencies.size() < messages && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf(
                "queues %d, %s: received %d/%d, latency p50 %.2f s, p90 %.2f s, max %.2f s, live threads %d%n",
                queues,
                pollThreads > 0
                        ? pollThreads + " shared poll threads, " + wait + " s long polls"
                        : "a thread per consumer, 20 s long polls",
                sorted.size(),
                messages,
                sorted.get(sorted.size() / 2) / 1e9,
                sorted.get(sorted.size() * 9 / 10) / 1e9,
                sorted.get(sorted.size() - 1) / 1e9,
                Thread.activeCount());
        camel.stop();
        aws.close();
        System.exit(0);
    }
}
