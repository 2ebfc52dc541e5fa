package io.caravan.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PayloadTemplateTest {

    /** Guards against a saga plan reaching beans, the environment or a Camel language through a payload value. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "${bean:foo}",
                "${env:HOME}",
                "${sys.user.home}",
                "${body}",
                "${header.x}",
                "${exchangeProperty.x}",
                "${event[a].toString()}",
                "${steps.a}",
                "${steps.a.b.c}",
                "${event[${event[a]}]}",
                "${event[a]"
            })
    void anything_but_event_fields_and_kept_step_fields_is_rejected(String text) {
        assertThatThrownBy(() -> PayloadTemplate.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'${");
    }

    /** Guards against a single placeholder turning a number into text, or a missing value posting a hole. */
    @Test
    void a_lone_placeholder_keeps_its_type_and_a_missing_value_renders_nothing() {
        Map<String, Object> event = Map.of("budget", 125000, "name", "Plant");
        Map<String, Map<String, Object>> steps = Map.of("create-project", Map.of("projectId", "P-1"));

        assertThat(PayloadTemplate.parse("${event[budget]}").render(event, steps))
                .contains(125000);
        assertThat(PayloadTemplate.parse("L1 ${event[name]} of ${steps.create-project.projectId}")
                        .render(event, steps))
                .contains("L1 Plant of P-1");
        assertThat(PayloadTemplate.parse("${event[missing]}").render(event, steps))
                .isEmpty();
        assertThat(PayloadTemplate.parse("x ${steps.wbs-l1.wbsId}").render(event, steps))
                .isEmpty();
    }
}
