package io.caravan.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caravan.errors.DataQualityException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The archive document as a value: limits, shape, and idempotent appends. */
class ArchiveDocumentTest {
    static final Modification PROCESSED =
            new Modification(Modification.PROCESSED, "hts", Instant.EPOCH, "HTTP 200", "CHG-1:hts", null);

    static ArchiveDocument parse(String json, long max) {
        return ArchiveDocument.parse("archive/CHG-1.json", json.getBytes(StandardCharsets.UTF_8), "\"e1\"", max);
    }

    @Test
    void an_append_gives_a_new_document_and_leaves_this_one_alone() {
        ArchiveDocument doc = parse("{\"changeId\":\"CHG-1\"}", 1000);
        ArchiveDocument next = doc.with(List.of(PROCESSED));
        assertThat(doc.modifications()).isEmpty();
        assertThat(next.modifications()).singleElement().satisfies(m -> {
            assertThat(m).containsEntry("type", "processed").containsEntry("customer", "hts");
            assertThat(m).containsEntry("idempotencyKey", "CHG-1:hts").containsEntry("outcome", "HTTP 200");
        });
        assertThat(next.records(PROCESSED)).isTrue();
        assertThat(next.eTag()).isEqualTo("\"e1\"");
        assertThat(next.json()).contains("\"changeId\":\"CHG-1\"");
    }

    @Test
    void missing_shape_and_size_problems_are_data_quality() {
        assertThatThrownBy(() -> parse("not json", 1000))
                .isInstanceOf(DataQualityException.class)
                .hasMessageContaining("archive/CHG-1.json is not JSON");
        assertThatThrownBy(() -> parse("[1]", 1000)).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> parse("{\"modifications\":{}}", 1000)).hasMessageContaining("not an array");
        assertThatThrownBy(() -> parse("{\"x\":\"" + "a".repeat(100) + "\"}", 50))
                .isInstanceOf(DataQualityException.class)
                .hasMessageContaining("over the archive size limit of 50 bytes");
    }
}
