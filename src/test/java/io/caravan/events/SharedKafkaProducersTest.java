package io.caravan.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The sharing rules of {@link SharedKafkaProducers}, on clients that never reach a broker. */
class SharedKafkaProducersTest {

    static Properties settings(String acks) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        return p;
    }

    /** Guards against a client closed while another endpoint still holds a lease on it. */
    @Test
    void the_same_settings_share_one_client_until_the_last_lease_ends() {
        SharedKafkaProducers producers = new SharedKafkaProducers();
        Producer<?, ?> first = producers.getProducer(settings("all"));
        Producer<?, ?> second = producers.getProducer(settings("all"));
        Producer<?, ?> other = producers.getProducer(settings("1"));
        assertThat(producers.clients()).isEqualTo(2);

        first.close();
        first.close();
        assertThat(producers.clients())
                .as("a second close of one lease ends no other")
                .isEqualTo(2);
        second.close();
        assertThat(producers.clients()).isEqualTo(1);
        other.close();
        assertThat(producers.clients()).isZero();
    }

    /** Guards against a transactional configuration sharing its client (a transaction belongs to one route). */
    @Test
    void a_transactional_configuration_gets_a_client_of_its_own() {
        SharedKafkaProducers producers = new SharedKafkaProducers();
        Properties transactional = settings("all");
        transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-1");
        transactional.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        Producer<?, ?> a = producers.getProducer(transactional);
        Producer<?, ?> b = producers.getProducer(transactional);
        try {
            assertThat(a).isInstanceOf(KafkaProducer.class).isNotSameAs(b);
            assertThat(producers.clients()).isZero();
        } finally {
            a.close(Duration.ZERO);
            b.close(Duration.ZERO);
        }
    }

    /** Guards against a route starting a transaction on a client other routes send through. */
    @Test
    void a_shared_client_refuses_transactions() {
        SharedKafkaProducers producers = new SharedKafkaProducers();
        Producer<?, ?> lease = producers.getProducer(settings("all"));
        try {
            assertThatThrownBy(lease::initTransactions).isInstanceOf(UnsupportedOperationException.class);
        } finally {
            lease.close();
        }
    }
}
