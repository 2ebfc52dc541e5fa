package io.caravan.events;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The inbound receiver's own HMAC over each inbox record, so the queue drain delivers only records the receiver
 * wrote (after it verified the sender's Standard Webhooks signature), never one written straight to the topic.
 *
 * <p>Why the receiver's own seal and not the sender's signature checked again in the drain: the sender's signature
 * covers only id, timestamp and body, and checking it again would need every source's secret in the drain row,
 * would fail for every queued event once the sender rotates its secret, and would refuse events whose timestamp aged
 * past the tolerance while they waited in the inbox (a drain on a daily profile). The seal is keyed by one
 * infrastructure secret that only caravan holds ({@code caravan.inbox.secret} or {@code caravan.inbox.secret-file}),
 * covers the topic, key, value and the webhook-id, webhook-timestamp and caravan-source headers (a record copied to
 * another inbox or given another source does not verify), and does not age. A sealed record written again is the
 * same webhook-id and source, so the drain's ledger key makes it a duplicate.
 *
 * <p>The secret may hold several keys separated by whitespace: the first seals, any verifies (a rotation adds the
 * new key first, and removes the old one once the inbox holds no record sealed by it). Each key is at least 32
 * characters; messages never show a key.
 */
public final class InboxSeal {
    /** The setting holding the keys; {@code caravan.inbox.secret-file} names a file holding them instead. */
    public static final String SETTING = "caravan.inbox.secret";

    static final String VERSION = "v1,";
    static final int MIN_KEY_CHARS = 32;
    private static final String HMAC = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<SecretKeySpec> keys;

    private InboxSeal(List<SecretKeySpec> keys) {
        this.keys = keys;
    }

    /** The keys of {@code text} (whitespace-separated); the reason of a failure never contains a key. */
    public static InboxSeal parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the inbox secret is empty");
        }
        List<SecretKeySpec> keys = new ArrayList<>();
        for (String key : text.strip().split("\\s+")) {
            if (key.length() < MIN_KEY_CHARS) {
                throw new IllegalArgumentException("each inbox secret key must be at least " + MIN_KEY_CHARS
                        + " characters; key " + (keys.size() + 1) + " has " + key.length());
            }
            keys.add(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), HMAC));
        }
        return new InboxSeal(keys);
    }

    /** A new random key: the base64 of 32 random bytes. */
    public static String newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().withoutPadding().encodeToString(key);
    }

    /**
     * Local mode's inbox secret: read from {@code file}, which is created first, readable by this user only, with a
     * {@linkplain #newKey() new key} when it does not exist.
     */
    public static synchronized InboxSeal loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            try {
                Files.createDirectories(
                        file.getParent(),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createDirectories(file.getParent());
            }
            try {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            }
            Files.writeString(file, newKey() + "\n");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** The seal header's value for the record, with the first key. */
    public String seal(InboxRecord record) {
        return VERSION + Base64.getEncoder().encodeToString(mac(keys.get(0), record.sealedContent()));
    }

    /**
     * The record as the drain may use it, read from a polled Kafka record whose seal verifies with one of the keys;
     * otherwise {@link Unauthenticated} says what is wrong (a missing, repeated or non-matching seal, a repeated
     * sealed header).
     */
    public InboxRecord verify(ConsumerRecord<String, String> polled) throws Unauthenticated {
        InboxRecord record = new InboxRecord(
                polled.topic(),
                polled.key(),
                polled.value(),
                single(polled, InboxRecord.SEALED_HEADERS[0]),
                single(polled, InboxRecord.SEALED_HEADERS[1]),
                single(polled, InboxRecord.SEALED_HEADERS[2]));
        String seal = single(polled, InboxRecord.SEAL_HEADER);
        if (seal == null) {
            throw new Unauthenticated("no " + InboxRecord.SEAL_HEADER + " header: not written by the inbound receiver");
        }
        if (!seal.startsWith(VERSION)) {
            throw new Unauthenticated(InboxRecord.SEAL_HEADER + " is not a " + VERSION.substring(0, 2) + " seal");
        }
        byte[] presented;
        try {
            presented = Base64.getDecoder().decode(seal.substring(VERSION.length()));
        } catch (IllegalArgumentException e) {
            throw new Unauthenticated(InboxRecord.SEAL_HEADER + " is not base64");
        }
        byte[] content = record.sealedContent();
        for (SecretKeySpec key : keys) {
            if (MessageDigest.isEqual(presented, mac(key, content))) {
                return record;
            }
        }
        throw new Unauthenticated(InboxRecord.SEAL_HEADER
                + " does not match the record with any inbox key (forged, or altered after sealing)");
    }

    @Override
    public String toString() {
        return "InboxSeal[" + keys.size() + " key(s)]";
    }

    private static String single(ConsumerRecord<String, String> polled, String name) throws Unauthenticated {
        Header found = null;
        for (Header h : polled.headers().headers(name)) {
            if (found != null) {
                throw new Unauthenticated("header " + name + " appears more than once");
            }
            found = h;
        }
        return found == null || found.value() == null ? null : new String(found.value(), StandardCharsets.UTF_8);
    }

    private static byte[] mac(SecretKeySpec key, byte[] content) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** A polled record the drain must not deliver; the message says why and never shows a key. */
    public static final class Unauthenticated extends Exception {
        public Unauthenticated(String reason) {
            super(reason, null, false, false);
        }
    }
}
