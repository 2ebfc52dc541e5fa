package io.caravan.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.errors.DataQualityException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.eventnotifications.s3.model.RequestParameters;
import software.amazon.awssdk.eventnotifications.s3.model.ResponseElements;
import software.amazon.awssdk.eventnotifications.s3.model.S3;
import software.amazon.awssdk.eventnotifications.s3.model.S3Bucket;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotification;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotificationRecord;
import software.amazon.awssdk.eventnotifications.s3.model.S3Object;
import software.amazon.awssdk.eventnotifications.s3.model.UserIdentity;

/**
 * One SQS message body as S3 sends it to a queue: the {@code s3:TestEvent} S3 sends when notifications are
 * configured, or {@code Records[]} of object events with URL-encoded keys. Parsed with AWS's own
 * s3-event-notifications model; any other shape is refused with a {@link DataQualityException} naming what is wrong.
 */
public record S3Notification(boolean testEvent, List<Created> created, List<String> ignored) {

    static final int MAX_BODY_CHARS = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    public S3Notification {
        created = List.copyOf(created);
        ignored = List.copyOf(ignored);
    }

    /** An ObjectCreated record: bucket, the decoded key, and what S3 said of the object. */
    public record Created(String bucket, String key, String eventName, Instant eventTime) {}

    public static S3Notification parse(String body) {
        if (body == null || body.isBlank()) {
            throw new DataQualityException("the message is empty, not an S3 event notification");
        }
        if (body.length() > MAX_BODY_CHARS) {
            throw new DataQualityException("the message is longer than " + MAX_BODY_CHARS + " characters");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (Exception e) {
            throw new DataQualityException("the message is not JSON: " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new DataQualityException("the message is not a JSON object");
        }
        if ("s3:TestEvent".equals(tree.path("Event").asText(null))) {
            return new S3Notification(true, List.of(), List.of());
        }
        if ("Notification".equals(tree.path("Type").asText(null))) {
            throw new DataQualityException(
                    "the message is an SNS envelope; subscribe the queue with raw message delivery");
        }
        JsonNode records = tree.get("Records");
        if (records == null || !records.isArray() || records.isEmpty()) {
            throw new DataQualityException("the message has no Records[] and is not an s3:TestEvent");
        }
        S3EventNotification event;
        try {
            event = S3EventNotification.fromJson(body);
        } catch (RuntimeException e) {
            throw new DataQualityException("Records[] is not an S3 event notification: " + firstLine(e.getMessage()));
        }
        List<Created> created = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        int i = 0;
        for (S3EventNotificationRecord record : event.getRecords()) {
            String at = "Records[" + i++ + "]";
            if (record == null) {
                throw new DataQualityException(at + " is null");
            }
            if (!"aws:s3".equals(record.getEventSource())) {
                throw new DataQualityException(at + ".eventSource is '" + record.getEventSource() + "', not aws:s3");
            }
            String name = record.getEventName();
            if (name == null || name.isBlank()) {
                throw new DataQualityException(at + " has no eventName");
            }
            S3 s3 = record.getS3();
            if (s3 == null
                    || s3.getBucket() == null
                    || s3.getBucket().getName() == null
                    || s3.getObject() == null
                    || s3.getObject().getKey() == null) {
                throw new DataQualityException(at + " has no s3.bucket.name or s3.object.key");
            }
            if (!name.startsWith("ObjectCreated:")) {
                ignored.add(name + " " + s3.getObject().getKey());
                continue;
            }
            String key;
            try {
                key = s3.getObject().getUrlDecodedKey();
            } catch (RuntimeException e) {
                throw new DataQualityException(at + ".s3.object.key '"
                        + s3.getObject().getKey() + "' is not URL-encoded: " + firstLine(e.getMessage()));
            }
            created.add(new Created(s3.getBucket().getName(), key, name, record.getEventTime()));
        }
        return new S3Notification(false, created, ignored);
    }

    /**
     * The notification S3 sends for a PUT of {@code key}: used where S3 does not send one itself (local mode, whose
     * S3 server emits no notifications) and by the orphan sweeper to re-drive a trigger.
     */
    public static String objectCreated(String region, String bucket, String key, long size, String eTag, Instant at) {
        S3EventNotificationRecord record = new S3EventNotificationRecord();
        record.setEventVersion("2.1");
        record.setEventSource("aws:s3");
        record.setAwsRegion(region);
        record.setEventTime(at);
        record.setEventName("ObjectCreated:Put");
        record.setUserIdentity(new UserIdentity("caravan"));
        record.setRequestParameters(new RequestParameters("127.0.0.1"));
        String requestId =
                UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase();
        record.setResponseElements(new ResponseElements(requestId, requestId));
        record.setS3(new S3(
                "caravan-trigger",
                new S3Bucket(bucket, new UserIdentity("caravan"), "arn:aws:s3:::" + bucket),
                new S3Object(encodeKey(key), size, eTag == null ? null : eTag.replace("\"", ""), null, sequencer(at)),
                "1.0"));
        return new S3EventNotification(List.of(record)).toJson();
    }

    /** S3 URL-encodes keys in notifications as a form value ('+' for a space) but keeps '/' as it is. */
    static String encodeKey(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
    }

    private static String sequencer(Instant at) {
        return String.format("%016X", at.toEpochMilli() * 1000);
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message).strip();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }
}
