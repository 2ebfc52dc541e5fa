package io.caravan.errors;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Hides personal data and secrets from what people read: log lines, debug-mode output and dead letters shown to
 * operators. Configured payload fields (caravan.logs.redact-fields; PII such as email, name, iban) are masked
 * wherever they appear as a JSON member ({@code "email":"a@b.c"}) or a map entry or query parameter
 * ({@code {id=7, email=a@b.c}}, {@code ?email=a@b.c&}), and so are {@code name=value} or {@code name: value} values
 * of secret-like names ({@link HeaderRedaction}'s rule: authorization, cookie, anything with secret, token, password,
 * signature or apikey in its name). The stored dead letter keeps the payload (a replay needs it); only what is shown
 * is redacted.
 *
 * <p>The log configuration's {@code CaravanRedaction} rewrite policy applies {@link #current()} to every log line;
 * the entry point sets it from the setting at startup.
 */
public final class PayloadRedaction {
    /** The setting naming the payload fields to mask (comma separated, case-insensitive). */
    public static final String SETTING = "caravan.logs.redact-fields";
    /** PII redacted when nothing is configured. */
    public static final String DEFAULT_FIELDS = "email,name,firstName,lastName,phone,iban,address";

    private static final String SECRET_NAME =
            "[A-Za-z0-9_.-]*(?i:secret|token|password|signature|apikey|api-key|api_key)[A-Za-z0-9_.-]*"
                    + "|(?i:authorization|proxy-authorization|cookie|set-cookie|x-api-key)";
    private static final String JSON_VALUE = "(\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][0-9.eE+-]*|true|false|null)";
    private static volatile PayloadRedaction current = new PayloadRedaction(DEFAULT_FIELDS);

    private final List<String> fields;
    private final Pattern json;
    private final Pattern pairs;
    private final Pattern secretPairs;

    public PayloadRedaction(String commaSeparatedFields) {
        fields = Arrays.stream(commaSeparatedFields.split(","))
                .map(String::strip)
                .filter(f -> !f.isEmpty())
                .toList();
        String names = fields.stream().map(Pattern::quote).collect(Collectors.joining("|"));
        String any = names.isEmpty() ? SECRET_NAME : "(?i:" + names + ")|" + SECRET_NAME;
        json = Pattern.compile("(\"(?:" + any + ")\"\\s*:\\s*)" + JSON_VALUE);
        // name=value only where a map or a query string puts it ({id=7, email=..}, ?email=..&), not in any prose
        pairs = names.isEmpty() ? null : Pattern.compile("(?<=[{,&?]|[{,&?] )((?i:" + names + ")=)([^\\s,;&}\\]\"]+)");
        // a secret's value may hold commas (v1,sig=) or a scheme (Bearer token): up to the next space or delimiter
        secretPairs = Pattern.compile("(?<![A-Za-z0-9_.-])((?:" + SECRET_NAME + ")[=:]\\s*)"
                + "((?:(?i:bearer|basic|token|digest)\\s+)?[^\\s;&}\\]\"]+)");
    }

    /** The redaction the log configuration uses. */
    public static PayloadRedaction current() {
        return current;
    }

    /** Sets the fields every log line is redacted for (the entry point calls it with the setting). */
    public static void configure(String commaSeparatedFields) {
        current = new PayloadRedaction(commaSeparatedFields);
    }

    public List<String> fields() {
        return fields;
    }

    /** The text with configured fields and secret-like values masked; null stays null. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = replace(json.matcher(text), "\"" + HeaderRedaction.REDACTED + "\"");
        if (pairs != null) {
            out = replace(pairs.matcher(out), HeaderRedaction.REDACTED);
        }
        return replace(secretPairs.matcher(out), HeaderRedaction.REDACTED);
    }

    /** Headers as an operator may see them: secret-like names masked, values redacted like text. */
    public Map<String, String> redactHeaders(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((name, value) -> out.put(
                    name, HeaderRedaction.isSecret(name) || isField(name) ? HeaderRedaction.REDACTED : redact(value)));
        }
        return out;
    }

    private boolean isField(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return fields.stream().anyMatch(f -> f.toLowerCase(Locale.ROOT).equals(lower));
    }

    private static String replace(Matcher m, String mask) {
        return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + mask));
    }
}
