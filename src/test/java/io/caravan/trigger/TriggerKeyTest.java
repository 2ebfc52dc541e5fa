package io.caravan.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The trigger key as a value: strict parsing, each rejection naming the key and the rule. */
class TriggerKeyTest {

    @Test
    void a_customer_trigger_parses_into_its_keys() {
        TriggerKey key = TriggerKey.parse("customers/hts/CHG-2026-11.json", "hts");
        assertThat(key.customer()).isEqualTo("hts");
        assertThat(key.changeId()).isEqualTo("CHG-2026-11");
        assertThat(key.key()).isEqualTo("customers/hts/CHG-2026-11.json");
        assertThat(key.archiveKey()).isEqualTo("archive/CHG-2026-11.json");
        assertThat(key.quarantineKey("failed/")).isEqualTo("failed/hts/CHG-2026-11.json");
        assertThat(key.processingKey()).isEqualTo("CHG-2026-11:hts");
        assertThat(key.sharedKey()).isEqualTo("CHG-2026-11");
    }

    /** Guards against processing anything but this customer's own trigger objects. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "archive/CHG-1.json | not under customers/",
                "customers/hts/../archive/CHG-1.json | contains '..'",
                "customers/hts/..json | contains '..'",
                "customers/other/CHG-1.json | for customer 'other', this route serves 'hts'",
                "customers/HTS/CHG-1.json | for customer 'HTS', this route serves 'hts'",
                "customers/hts/CHG-1.txt | does not end in .json",
                "customers/hts/sub/CHG-1.json | not customers/<code>/<changeId>.json",
                "customers/hts/CHG-1.json/x.json | not customers/<code>/<changeId>.json",
                "customers//CHG-1.json | customer code is not",
                "customers/hts/.json | change id is not",
                "customers/hts/CHG 1.json | change id is not",
                "customers/hts/CHG%2E1.json | change id is not",
                "customers/hts/CHG.1.json | change id is not",
                "customers/hts/ÄNDERUNG.json | change id is not",
                "customers/hts/CHG\u00001.json | change id is not",
                "customers/h+s/CHG-1.json | customer code is not",
            })
    void keys_outside_the_rules_are_rejected_naming_key_and_rule(String key, String rule) {
        assertThatThrownBy(() -> TriggerKey.parse(key, "hts"))
                .isInstanceOf(TriggerKey.InvalidTriggerKey.class)
                .hasMessageContaining("trigger key '")
                .hasMessageContaining(rule);
    }

    @Test
    void empty_and_missing_keys_are_rejected() {
        assertThatThrownBy(() -> TriggerKey.parse("", "hts")).hasMessageContaining("the key is empty");
        assertThatThrownBy(() -> TriggerKey.parse(null, "hts")).hasMessageContaining("the key is empty");
    }

    @Test
    void a_key_longer_than_the_limit_is_rejected_and_shown_shortened() {
        String key = "customers/hts/" + "a".repeat(1000) + ".json";
        assertThatThrownBy(() -> TriggerKey.parse(key, "hts"))
                .hasMessageContaining("longer than " + TriggerKey.MAX_LENGTH)
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400));
    }

    @Test
    void control_characters_are_shown_escaped_in_the_rejection() {
        assertThatThrownBy(() -> TriggerKey.parse("customers/hts/a\nb.json", "hts"))
                .hasMessageContaining("a\\u000ab.json");
    }

    @Test
    void a_value_cannot_be_built_from_unsafe_parts() {
        assertThatThrownBy(() -> new TriggerKey("..", "CHG-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TriggerKey("hts", "a/b")).isInstanceOf(IllegalArgumentException.class);
    }
}
