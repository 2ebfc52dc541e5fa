package io.caravan.template;

import java.util.List;
import java.util.Optional;

/**
 * The one declaration of a route template parameter: name, type, default, whether required, and its doc.
 * The reference table in docs/route-config.md is generated from these declarations.
 */
public record TemplateParameter(
        String name, ParamType type, boolean required, String defaultValue, List<String> choices, String doc) {

    public TemplateParameter {
        if (doc == null || doc.isBlank()) {
            throw new IllegalArgumentException("template parameter " + name + " has no doc");
        }
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    public static TemplateParameter required(String name, ParamType type, String doc) {
        return new TemplateParameter(name, type, true, null, List.of(), doc);
    }

    public static TemplateParameter optional(String name, ParamType type, String defaultValue, String doc) {
        return new TemplateParameter(name, type, false, defaultValue, List.of(), doc);
    }

    public static TemplateParameter choice(String name, List<String> choices, String defaultValue, String doc) {
        return new TemplateParameter(name, ParamType.CHOICE, defaultValue == null, defaultValue, choices, doc);
    }

    /** The problem with a raw value, if any (the caller names row and column). */
    public Optional<String> problem(String value) {
        if (type == ParamType.CHOICE) {
            return choices.contains(value) ? Optional.empty() : Optional.of("'" + value + "' is not one of " + choices);
        }
        return type.problem(value);
    }
}
