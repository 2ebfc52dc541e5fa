package io.caravan.template;

import io.caravan.outbound.OutboundUrl;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/** The type of a route template parameter; each type validates a raw value from the config table. */
public enum ParamType {
    TEXT {
        @Override
        Optional<String> problem(String value) {
            return value.isBlank() ? Optional.of("must not be blank") : Optional.empty();
        }
    },
    IDENTIFIER {
        @Override
        Optional<String> problem(String value) {
            return NAME.matcher(value).matches()
                    ? Optional.empty()
                    : Optional.of("'" + value + "' is not a name of letters, digits, '_', '-' or '.' (1-100 chars)");
        }
    },
    POSITIVE_INT {
        @Override
        Optional<String> problem(String value) {
            try {
                return Integer.parseInt(value.trim()) > 0
                        ? Optional.empty()
                        : Optional.of("must be a positive whole number, was " + value);
            } catch (NumberFormatException e) {
                return Optional.of("'" + value + "' is not a whole number");
            }
        }
    },
    DURATION {
        @Override
        Optional<String> problem(String value) {
            try {
                Duration d = Durations.parse(value);
                return d.isNegative() ? Optional.of("must not be negative") : Optional.empty();
            } catch (IllegalArgumentException e) {
                return Optional.of(e.getMessage());
            }
        }
    },
    /** An http(s) URL, parsed as data ({@link OutboundUrl}); its host must also pass the egress rule (checked by the validator). */
    URL {
        @Override
        Optional<String> problem(String value) {
            try {
                OutboundUrl.parse(value);
                return Optional.empty();
            } catch (IllegalArgumentException e) {
                return Optional.of(e.getMessage());
            }
        }
    },
    /**
     * A per-row value in the declared grammar of {@link KeyTemplate}: literal text with {@code ${body[<field>]}} and
     * {@code ${header.caravanPayloadHash}} placeholders only; never a Camel expression.
     */
    KEY_TEMPLATE {
        @Override
        Optional<String> problem(String value) {
            return KeyTemplate.problem(value);
        }
    },
    /** One of the listed choices (see {@link TemplateParameter#choices()}). */
    CHOICE {
        @Override
        Optional<String> problem(String value) {
            return Optional.empty();
        }
    },
    /** A reference to a secret: env:NAME or file:/mounted/path. Never the secret itself. */
    SECRET_REF {
        @Override
        Optional<String> problem(String value) {
            return SecretRef.problem(value);
        }
    };

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

    abstract Optional<String> problem(String value);
}
