package io.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.caravan.template.TemplateParameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferenceDocTest {
    private static final Path DOC = Path.of("docs/route-config.md");

    /** Guards against a setting whose meaning nobody wrote down. */
    @Test
    void every_column_and_parameter_has_a_doc() {
        for (ConfigColumn c : ConfigColumn.values()) {
            assertThat(c.doc()).as("doc of column %s", c.column()).isNotBlank();
        }
        for (Map.Entry<String, List<TemplateParameter>> e : ReferenceDoc.TEMPLATES.entrySet()) {
            for (TemplateParameter p : e.getValue()) {
                assertThat(p.doc()).as("doc of %s.%s", e.getKey(), p.name()).isNotBlank();
            }
        }
    }

    /** Guards against docs/route-config.md drifting from the declarations. */
    @Test
    void committed_reference_matches_the_declarations() throws Exception {
        String expected = ReferenceDoc.render();
        if (Boolean.getBoolean("caravan.docs.write")) {
            Files.createDirectories(DOC.getParent());
            Files.writeString(DOC, expected);
        }
        assertThat(DOC)
                .as("run: mvn test -Dtest=ReferenceDocTest -Dcaravan.docs.write=true")
                .exists();
        assertThat(Files.readString(DOC))
                .as("docs/route-config.md is stale; run: mvn test -Dtest=ReferenceDocTest "
                        + "-Dcaravan.docs.write=true")
                .isEqualTo(expected);
    }
}
