package io.caravan.feed;

import io.caravan.store.Watermark;
import java.util.Map;

/** One row read from a feed source: its keyset position and its data (JSON-friendly values, lower-case names). */
public record SourceRow(Watermark position, Map<String, Object> data) {}
