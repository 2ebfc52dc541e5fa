package io.caravan.feed;

/** How a source's id column compares; the watermark stores ids as text and binds them back as this type. */
public enum IdType {
    LONG {
        @Override
        Object bind(String id) {
            return id.isEmpty() ? Long.MIN_VALUE : Long.parseLong(id);
        }
    },
    TEXT {
        @Override
        Object bind(String id) {
            return id;
        }
    };

    /** The value to bind for a keyset comparison; the origin's empty id sorts before every real id. */
    abstract Object bind(String id);
}
