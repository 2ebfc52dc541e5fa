package io.caravan.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caravan.errors.DataQualityException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The S3 event notification parser and builder (AWS's s3-event-notifications model underneath). */
class S3NotificationTest {
    static final Instant AT = Instant.parse("2026-11-23T10:15:30Z");

    /** A notification as S3 sends it: several records, URL-encoded keys. */
    static final String TWO_RECORDS =
            """
            {"Records":[
              {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-central-1","eventTime":"2026-11-23T10:15:30.000Z",
               "eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:X"},"requestParameters":{"sourceIPAddress":"10.0.0.1"},
               "responseElements":{"x-amz-request-id":"R","x-amz-id-2":"I"},
               "s3":{"s3SchemaVersion":"1.0","configurationId":"c","bucket":{"name":"changes","ownerIdentity":{"principalId":"O"},"arn":"arn:aws:s3:::changes"},
                     "object":{"key":"customers/hts/CHG-1.json","size":12,"eTag":"abc","sequencer":"0A"}}},
              {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-central-1","eventTime":"2026-11-23T10:15:31.000Z",
               "eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:X"},"requestParameters":{"sourceIPAddress":"10.0.0.1"},
               "responseElements":{"x-amz-request-id":"R","x-amz-id-2":"I"},
               "s3":{"s3SchemaVersion":"1.0","configurationId":"c","bucket":{"name":"changes","ownerIdentity":{"principalId":"O"},"arn":"arn:aws:s3:::changes"},
                     "object":{"key":"customers/hts/CHG+2%2B%C3%A4.json","size":12,"eTag":"def","sequencer":"0B"}}}
            ]}""";

    @Test
    void several_records_with_url_encoded_keys_are_decoded() {
        S3Notification n = S3Notification.parse(TWO_RECORDS);
        assertThat(n.testEvent()).isFalse();
        assertThat(n.created())
                .extracting(S3Notification.Created::key)
                .containsExactly("customers/hts/CHG-1.json", "customers/hts/CHG 2+ä.json");
        assertThat(n.created()).allSatisfy(c -> assertThat(c.bucket()).isEqualTo("changes"));
    }

    @Test
    void the_test_event_s3_sends_when_notifications_are_configured_is_recognised() {
        S3Notification n = S3Notification.parse(
                "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-23T10:15:30.000Z\","
                        + "\"Bucket\":\"changes\",\"RequestId\":\"R\",\"HostId\":\"H\"}");
        assertThat(n.testEvent()).isTrue();
        assertThat(n.created()).isEmpty();
    }

    @Test
    void records_of_other_event_types_are_ignored_not_processed() {
        String removed = TWO_RECORDS.replace("ObjectCreated:Put", "ObjectRemoved:Delete");
        S3Notification n = S3Notification.parse(removed);
        assertThat(n.created()).isEmpty();
        assertThat(n.ignored()).hasSize(2);
    }

    /** Guards against a malformed message being processed, retried forever or silently dropped. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "not json",
                "[1,2]",
                "{}",
                "{\"Records\":[]}",
                "{\"Records\":{}}",
                "{\"Type\":\"Notification\",\"Message\":\"{}\"}",
                "{\"Records\":[{\"eventSource\":\"aws:sqs\",\"eventName\":\"ObjectCreated:Put\"}]}",
                "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\"}]}",
                "{\"Records\":[{\"eventSource\":\"aws:s3\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k\"}}}]}",
            })
    void any_other_shape_is_a_data_quality_failure_with_a_reason(String body) {
        assertThatThrownBy(() -> S3Notification.parse(body))
                .isInstanceOf(DataQualityException.class)
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
    }

    @Test
    void hostile_encoded_keys_decode_to_what_trigger_key_then_rejects() {
        String dotdot = S3Notification.objectCreated("eu-central-1", "changes", "x", 1, "e", AT)
                .replace("\"key\":\"x\"", "\"key\":\"customers%2Fhts%2F..%2Farchive%2FCHG-1.json\"");
        String key = S3Notification.parse(dotdot).created().get(0).key();
        assertThat(key).isEqualTo("customers/hts/../archive/CHG-1.json");
        assertThatThrownBy(() -> TriggerKey.parse(key, "hts")).hasMessageContaining("'..'");

        String encodedSlash =
                S3Notification.objectCreated("eu-central-1", "changes", "customers/hts/a%2Fb.json", 1, "e", AT);
        String decoded = S3Notification.parse(encodedSlash).created().get(0).key();
        assertThat(decoded).isEqualTo("customers/hts/a%2Fb.json");
        assertThatThrownBy(() -> TriggerKey.parse(decoded, "hts")).hasMessageContaining("change id is not");
    }

    @Test
    void a_built_notification_round_trips_with_the_key_encoded_as_s3_does() {
        String json =
                S3Notification.objectCreated("eu-central-1", "changes", "customers/hts/CHG 1.json", 12, "\"abc\"", AT);
        assertThat(json).contains("customers/hts/CHG+1.json").contains("\"eTag\":\"abc\"");
        S3Notification n = S3Notification.parse(json);
        assertThat(n.created()).singleElement().satisfies(c -> {
            assertThat(c.key()).isEqualTo("customers/hts/CHG 1.json");
            assertThat(c.bucket()).isEqualTo("changes");
            assertThat(c.eventName()).isEqualTo("ObjectCreated:Put");
            assertThat(c.eventTime()).isEqualTo(AT);
        });
    }
}
