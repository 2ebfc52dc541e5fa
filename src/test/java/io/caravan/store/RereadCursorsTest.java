package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.testing.Databases.Backend;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RereadCursorsTest {

    static final Instant LAP = Instant.parse("2024-06-01T00:00:00.123456Z");

    /** Guards against a re-read pass losing its place (restarting its window) or two passes sharing one cursor. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void a_pass_cursor_is_saved_per_route_and_pass_and_cleared_between_laps(Backend backend) {
        RereadCursors cursors = new RereadCursors(backend.fresh());
        Watermark at = new Watermark(Instant.parse("2024-06-01T00:00:01.5Z"), "4711");

        assertThat(cursors.find("feed-a", "OVERLAP")).isEmpty();
        cursors.save("feed-a", "OVERLAP", new RereadCursor(Optional.of(at), LAP));
        cursors.save("feed-a", "RECONCILE", RereadCursor.between(LAP));

        assertThat(cursors.find("feed-a", "OVERLAP")).contains(new RereadCursor(Optional.of(at), LAP));
        assertThat(cursors.find("feed-a", "RECONCILE")).contains(RereadCursor.between(LAP));
        assertThat(cursors.find("feed-b", "OVERLAP")).isEmpty();

        cursors.save("feed-a", "OVERLAP", RereadCursor.between(LAP.plusSeconds(60)));
        assertThat(cursors.find("feed-a", "OVERLAP")).contains(RereadCursor.between(LAP.plusSeconds(60)));
        assertThat(cursors.find("feed-a", "OVERLAP").orElseThrow().lapInProgress())
                .isFalse();
    }
}
