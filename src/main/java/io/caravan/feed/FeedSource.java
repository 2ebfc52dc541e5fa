package io.caravan.feed;

import io.caravan.store.Watermark;
import java.util.List;

/** Reads a feed's source one keyset page at a time, ordered by (updated_at, id). */
public interface FeedSource {

    /** Up to {@code limit} rows strictly after {@code after} in (updated_at, id) order. */
    List<SourceRow> page(Watermark after, int limit) throws Exception;
}
