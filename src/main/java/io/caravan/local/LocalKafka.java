package io.caravan.local;

import io.caravan.LocalStandIn;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's Kafka: starts {@link InProcessKafka} and points Camel's kafka component at it, so every route's
 * {@code kafka:} endpoints reach it exactly as they reach a real cluster through camel.component.kafka.brokers.
 */
public final class LocalKafka implements LocalStandIn {
    private static final Logger LOG = LoggerFactory.getLogger(LocalKafka.class);

    @Override
    public void install(CamelContext camel, Function<String, Optional<DataSource>> sources) {
        InProcessKafka kafka = InProcessKafka.start();
        camel.getComponent("kafka", KafkaComponent.class).getConfiguration().setBrokers(kafka.bootstrapServers());
        try {
            // stopped after Camel's routes (services added later stop first)
            camel.addService(
                    new ServiceSupport() {
                        @Override
                        protected void doStop() {
                            kafka.close();
                        }
                    },
                    true,
                    true);
        } catch (Exception e) {
            kafka.close();
            throw new IllegalStateException(e);
        }
        LOG.info("local Kafka (KRaft, in this JVM) at {}", kafka.bootstrapServers());
    }
}
