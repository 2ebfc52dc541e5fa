package io.caravan.trigger;

import io.caravan.errors.CategorizedException;
import io.caravan.errors.DataQualityException;
import io.caravan.errors.ErrorCategory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 side of a trigger route, one bucket: HEAD a trigger, load an archive, append to it with a conditional write,
 * delete or quarantine a trigger, list triggers. S3 failures become {@link CategorizedException}s: throttling, 5xx
 * and connection failures are TRANSIENT, access denied and other 4xx PERMANENT.
 *
 * <p>Appends never lose an entry: each is a read-modify-write with If-Match on the ETag read, repeated on 412 until it
 * lands (S3 makes the conditional PUT atomic). Writers of one change inside this JVM also take a lock, so a local S3
 * server whose If-Match check is not atomic cannot lose an entry either.
 */
public final class TriggerBucket {
    static final int MAX_APPEND_ATTEMPTS = 20;
    private static final ReentrantLock[] CHANGE_LOCKS = new ReentrantLock[64];

    static {
        for (int i = 0; i < CHANGE_LOCKS.length; i++) {
            CHANGE_LOCKS[i] = new ReentrantLock();
        }
    }

    private final S3Client s3;
    private final String bucket;

    public TriggerBucket(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public String name() {
        return bucket;
    }

    /** An object's key, ETag, size and last modification. */
    public record StoredObject(String key, String eTag, long size, Instant lastModified) {}

    /** HEAD: the object, or empty when it does not exist (a trigger already handled). */
    public Optional<StoredObject> head(String key) {
        try {
            HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(key));
            return Optional.of(new StoredObject(key, r.eTag(), r.contentLength(), r.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw categorized("HEAD " + key, e);
        } catch (SdkException e) {
            throw categorized("HEAD " + key, e);
        }
    }

    /** GET archive/&lt;changeId&gt;.json; missing, over the size limit or not a JSON object is DATA_QUALITY. */
    public ArchiveDocument loadArchive(TriggerKey trigger, long maxBytes) {
        String key = trigger.archiveKey();
        ResponseBytes<GetObjectResponse> object = call("GET " + key, () -> {
            try {
                return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
            } catch (NoSuchKeyException e) {
                throw new DataQualityException(key + " does not exist (the archive is written before the trigger)");
            }
        });
        Long length = object.response().contentLength();
        if (length != null && length > maxBytes) {
            throw ArchiveDocument.tooLarge(key, length, maxBytes);
        }
        return ArchiveDocument.parse(
                key, object.asByteArray(), object.response().eTag(), maxBytes);
    }

    /**
     * Appends the entries not yet recorded to the archive, with If-Match on the ETag read and again on a 412.
     *
     * @return the document as written (or as found, when every entry was already there)
     */
    public ArchiveDocument append(TriggerKey trigger, long maxBytes, List<Modification> entries) {
        return append(trigger, maxBytes, entries, null);
    }

    /**
     * As {@link #append(TriggerKey, long, List)}, trying first on {@code read} (the document as this delivery read
     * it; If-Match makes that safe) and reading again only after losing a race.
     */
    public ArchiveDocument append(TriggerKey trigger, long maxBytes, List<Modification> entries, ArchiveDocument read) {
        ReentrantLock lock = CHANGE_LOCKS[Math.floorMod((bucket + "/" + trigger.changeId()).hashCode(), 64)];
        lock.lock();
        try {
            ArchiveDocument known = read;
            for (int attempt = 1; ; attempt++) {
                ArchiveDocument current = known != null ? known : loadArchive(trigger, maxBytes);
                known = null;
                List<Modification> missing =
                        entries.stream().filter(e -> !current.records(e)).toList();
                if (missing.isEmpty()) {
                    return current;
                }
                ArchiveDocument next = current.with(missing);
                byte[] bytes = next.bytes();
                if (bytes.length > maxBytes) {
                    throw ArchiveDocument.tooLarge(next.key(), bytes.length, maxBytes);
                }
                try {
                    s3.putObject(
                            b -> b.bucket(bucket)
                                    .key(next.key())
                                    .ifMatch(current.eTag())
                                    .contentType("application/json"),
                            RequestBody.fromBytes(bytes));
                    return next;
                } catch (S3Exception e) {
                    boolean lostRace = e.statusCode() == 412 || e.statusCode() == 409;
                    if (!lostRace) {
                        throw categorized("PUT " + next.key(), e);
                    }
                    if (attempt >= MAX_APPEND_ATTEMPTS) {
                        throw new CategorizedException(
                                ErrorCategory.TRANSIENT,
                                e.statusCode(),
                                "PUT " + next.key() + " lost " + attempt + " conditional writes in a row",
                                e);
                    }
                    sleepQuietly(ThreadLocalRandom.current().nextLong(5, 20L * attempt));
                } catch (SdkException e) {
                    throw categorized("PUT " + next.key(), e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    public void delete(String key) {
        call("DELETE " + key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    /** Copies the trigger to its quarantine key, then deletes it. */
    public void quarantine(String key, String quarantineKey) {
        call(
                "COPY " + key + " to " + quarantineKey,
                () -> s3.copyObject(b -> b.sourceBucket(bucket)
                        .sourceKey(key)
                        .destinationBucket(bucket)
                        .destinationKey(quarantineKey)));
        delete(key);
    }

    /** Every object under the prefix. */
    public List<StoredObject> list(String prefix) {
        return call("LIST " + prefix, () -> {
            List<StoredObject> objects = new ArrayList<>();
            s3.listObjectsV2Paginator(ListObjectsV2Request.builder()
                            .bucket(bucket)
                            .prefix(prefix)
                            .build())
                    .contents()
                    .forEach(o -> objects.add(new StoredObject(o.key(), o.eTag(), o.size(), o.lastModified())));
            return objects;
        });
    }

    public void put(String key, String json) {
        call(
                "PUT " + key,
                () -> s3.putObject(
                        b -> b.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromString(json)));
    }

    private <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw categorized(what, e);
        }
    }

    static CategorizedException categorized(String what, SdkException e) {
        if (e instanceof S3Exception s3e) {
            int status = s3e.statusCode();
            String code = s3e.awsErrorDetails() == null || s3e.awsErrorDetails().errorCode() == null
                    ? ""
                    : " " + s3e.awsErrorDetails().errorCode();
            String reason = "S3 " + what + " answered " + status + code;
            if (status == 401 || status == 403) {
                return new CategorizedException(
                        ErrorCategory.PERMANENT,
                        status,
                        reason + " (credentials or bucket policy: configuration error)",
                        e);
            }
            boolean retryable = status == 408 || status == 429 || status >= 500 || s3e.isThrottlingException();
            return new CategorizedException(
                    retryable ? ErrorCategory.TRANSIENT : ErrorCategory.PERMANENT, status, reason, e);
        }
        if (e instanceof SdkClientException) {
            return new CategorizedException(
                    ErrorCategory.TRANSIENT, null, "S3 " + what + " failed: " + e.getMessage(), e);
        }
        return new CategorizedException(ErrorCategory.TRANSIENT, null, "S3 " + what + " failed: " + e.getMessage(), e);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CategorizedException(ErrorCategory.TRANSIENT, null, "interrupted while appending to the archive");
        }
    }
}
