package io.caravan.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Source statements are written by engineers in routes/sql; caravan only binds values into them. */
class NamedStatementTest {

    @Test
    void named_parameters_become_positional_in_their_order() {
        NamedStatement s = NamedStatement.parse(
                "q",
                """
                SELECT id, updated_at FROM t
                WHERE (updated_at, id) > (:afterUpdatedAt, :afterId) AND note <> '::text'
                ORDER BY updated_at, id LIMIT :limit;
                """);
        assertThat(s.jdbcSql())
                .contains("(updated_at, id) > (?, ?)")
                .contains("LIMIT ?")
                .contains("'::text'")
                .doesNotEndWith(";");
        assertThat(s.parameterOrder()).containsExactly("afterUpdatedAt", "afterId", "limit");
    }

    @Test
    void a_statement_must_page_by_keyset_with_exactly_the_bound_parameters() {
        assertThatThrownBy(() -> NamedStatement.parse("q", "SELECT * FROM t WHERE id > :afterId LIMIT :limit"))
                .hasMessageStartingWith("statement 'q' must use all of");
        assertThatThrownBy(
                        () -> NamedStatement.parse(
                                "q",
                                "SELECT * FROM t WHERE (updated_at, id) > (:afterUpdatedAt, :afterId) AND c = :customer LIMIT :limit"))
                .hasMessageContaining("uses :customer; only");
        assertThatThrownBy(() -> NamedStatement.parse(
                        "q",
                        "SELECT * FROM t WHERE (updated_at, id) > (:afterUpdatedAt, :afterId) LIMIT :limit OFFSET 100"))
                .hasMessage("statement 'q' uses OFFSET; feeds page by keyset only");
    }

    @Test
    void statement_names_cannot_leave_the_sql_directory() {
        assertThatThrownBy(() -> NamedStatement.load(Path.of("routes/sql"), "../application"))
                .hasMessageContaining("is not a statement name");
        assertThatThrownBy(() -> NamedStatement.load(Path.of("routes/sql"), "missing"))
                .hasMessage("statement 'missing' not found: no file routes/sql/missing.sql");
        assertThat(NamedStatement.load(Path.of("routes/sql"), "actual-hours").parameterOrder())
                .hasSize(3);
    }
}
