package io.caravan.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorCategoryTest {

    @Test
    void only_transient_failures_are_retried() {
        assertThat(ErrorCategory.values())
                .filteredOn(ErrorCategory::retryable)
                .containsExactly(ErrorCategory.TRANSIENT);
    }

    @Test
    void permanent_and_system_failures_alert() {
        assertThat(ErrorCategory.values())
                .filteredOn(ErrorCategory::alerts)
                .containsExactly(ErrorCategory.PERMANENT, ErrorCategory.SYSTEM);
    }

    @Test
    void only_system_failures_leave_the_execution_incomplete() {
        assertThat(ErrorCategory.values())
                .filteredOn(ErrorCategory::marksExecutionIncomplete)
                .containsExactly(ErrorCategory.SYSTEM);
    }
}
