package io.caravan.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The deterministic id of an event (seed 002): a hash of the route, the object's key and the source revision
 * (here the row's updated_at). Reading the same row version again, from any watermark, gives the same id, so
 * consumers can deduplicate replays; a new version of the row gives a new id.
 */
public final class EventId {
    private static final int HEX_CHARS = 32;

    private EventId() {}

    public static String of(String routeId, String objectKey, String sourceRevision) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // a separator that cannot occur in the parts keeps ("a","bc") and ("ab","c") apart
            for (String part : new String[] {routeId, objectKey, sourceRevision}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, HEX_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
