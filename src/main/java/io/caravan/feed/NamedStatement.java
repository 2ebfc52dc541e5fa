package io.caravan.feed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A source query an integration engineer wrote in routes/sql/NAME.sql. It must use exactly the named parameters
 * :afterUpdatedAt, :afterId and :limit and return the columns id and updated_at; caravan binds values, it never
 * builds SQL from config values.
 */
public record NamedStatement(String name, String jdbcSql, List<String> parameterOrder) {
    public static final Set<String> PARAMETERS = Set.of("afterUpdatedAt", "afterId", "limit");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");
    private static final Pattern PARAM = Pattern.compile("(?<!:):([A-Za-z][A-Za-z0-9]*)");

    public static NamedStatement load(Path sqlDirectory, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "'" + name + "' is not a statement name (lower-case letters, digits, '-', '_')");
        }
        Path file = sqlDirectory.resolve(name + ".sql");
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("statement '" + name + "' not found: no file " + file);
        }
        return parse(name, text);
    }

    static NamedStatement parse(String name, String text) {
        String sql = text.strip();
        if (sql.endsWith(";")) {
            sql = sql.substring(0, sql.length() - 1);
        }
        List<String> order = new ArrayList<>();
        Matcher m = PARAM.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String p = m.group(1);
            if (!PARAMETERS.contains(p)) {
                throw new IllegalArgumentException(
                        "statement '" + name + "' uses :" + p + "; only " + PARAMETERS + " are bound");
            }
            order.add(p);
            m.appendReplacement(out, "?");
        }
        m.appendTail(out);
        if (!order.containsAll(PARAMETERS)) {
            throw new IllegalArgumentException(
                    "statement '" + name + "' must use all of " + PARAMETERS + " for keyset paging, uses " + order);
        }
        if (sql.toLowerCase().contains(" offset ")) {
            throw new IllegalArgumentException("statement '" + name + "' uses OFFSET; feeds page by keyset only");
        }
        return new NamedStatement(name, out.toString(), List.copyOf(order));
    }
}
