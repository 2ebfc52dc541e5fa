package io.caravan.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class InboxSealTest {
    static final String KEY = "k".repeat(32);
    static final InboxRecord RECORD = new InboxRecord("inbox", "msg_1", "{\"a\":1}", "msg_1", "1700000000", "crm");

    @Test
    void a_sealed_record_verifies_as_written() throws Exception {
        InboxSeal seal = InboxSeal.parse(KEY);

        assertThat(seal.verify(polled(RECORD, seal.seal(RECORD)))).isEqualTo(RECORD);
    }

    /** Guards against a sealed record being reused with another topic, body, source or id. */
    @Test
    void any_changed_part_of_a_sealed_record_fails() {
        InboxSeal seal = InboxSeal.parse(KEY);
        String sealed = seal.seal(RECORD);

        for (InboxRecord changed : new InboxRecord[] {
            new InboxRecord("other-inbox", "msg_1", "{\"a\":1}", "msg_1", "1700000000", "crm"),
            new InboxRecord("inbox", "msg_1", "{\"a\":2}", "msg_1", "1700000000", "crm"),
            new InboxRecord("inbox", "msg_1", "{\"a\":1}", "msg_1", "1700000000", "erp"),
            new InboxRecord("inbox", "msg_1", "{\"a\":1}", "msg_2", "1700000000", "crm"),
            new InboxRecord("inbox", "msg_1", "{\"a\":1}", "msg_1", null, "crm"),
            new InboxRecord("inbox", "msg_1", "{\"a\":1}", "msg_1", "", "crm")
        }) {
            assertThatThrownBy(() -> seal.verify(polled(changed, sealed)))
                    .as(changed.toString())
                    .isInstanceOf(InboxSeal.Unauthenticated.class)
                    .hasMessageContaining("does not match");
        }
    }

    @Test
    void unsealed_forged_or_doubled_records_fail_with_the_reason() {
        InboxSeal seal = InboxSeal.parse(KEY);

        assertThatThrownBy(() -> seal.verify(polled(RECORD, null))).hasMessageContaining("no caravan-inbox-seal");
        assertThatThrownBy(() -> seal.verify(
                        polled(RECORD, InboxSeal.parse("z".repeat(40)).seal(RECORD))))
                .hasMessageContaining("does not match");
        assertThatThrownBy(() -> seal.verify(polled(RECORD, "v1,@@@"))).hasMessageContaining("not base64");
        ConsumerRecord<String, String> doubled = polled(RECORD, seal.seal(RECORD));
        doubled.headers().add("webhook-id", "msg_2".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> seal.verify(doubled)).hasMessageContaining("webhook-id appears more than once");
    }

    /** Guards against a key rotation refusing the records already in the inbox. */
    @Test
    void during_a_rotation_the_new_key_seals_and_both_verify() throws Exception {
        String oldKey = KEY;
        String newKey = "n".repeat(32);
        String sealedBefore = InboxSeal.parse(oldKey).seal(RECORD);
        InboxSeal rotating = InboxSeal.parse(newKey + " " + oldKey);

        assertThat(rotating.verify(polled(RECORD, sealedBefore))).isEqualTo(RECORD);
        assertThat(InboxSeal.parse(newKey).verify(polled(RECORD, rotating.seal(RECORD))))
                .isEqualTo(RECORD);
    }

    @Test
    void short_keys_are_refused_without_showing_them() {
        assertThatThrownBy(() -> InboxSeal.parse(KEY + " short-key"))
                .hasMessageContaining("at least 32 characters; key 2 has 9")
                .hasMessageNotContaining("short-key");
        assertThat(InboxSeal.parse(InboxSeal.newKey()).toString()).isEqualTo("InboxSeal[1 key(s)]");
    }

    private static ConsumerRecord<String, String> polled(InboxRecord r, String seal) {
        ConsumerRecord<String, String> polled = new ConsumerRecord<>(r.topic(), 0, 7L, r.key(), r.value());
        put(polled, "webhook-id", r.webhookId());
        put(polled, "webhook-timestamp", r.timestamp());
        put(polled, "caravan-source", r.source());
        put(polled, InboxRecord.SEAL_HEADER, seal);
        return polled;
    }

    private static void put(ConsumerRecord<String, String> polled, String name, String value) {
        if (value != null) {
            polled.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
