package dev.backfill.plan;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials in JDBC URLs: finding them (a plan must refuse them) and removing them from every URL
 * that is shown (CLI, logs, reports, the workbench). The one place that knows what a secret looks like
 * in a URL, so display and validation never disagree.
 */
public final class JdbcUrls {
    /**
     * Scheme up to "//", then hosts and path up to the first '?' or '#'. An '@' anywhere in the second part
     * is user-info (a password with an unencoded '/' would otherwise hide it in the path).
     */
    private static final Pattern AUTHORITY = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*:[a-zA-Z0-9+.-]*:?//)([^?#]*)(.*)$",
            Pattern.DOTALL);
    private static final String HIDDEN = "***";

    private JdbcUrls() {}

    /** The URL with user-info before '@' and the values of secret parameters replaced by {@code ***}. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String rest = url;
        StringBuilder shown = new StringBuilder(url.length());
        Matcher authority = AUTHORITY.matcher(url);
        if (authority.matches()) {
            String hosts = authority.group(2);
            int at = hosts.lastIndexOf('@');
            shown.append(authority.group(1)).append(at < 0 ? hosts : HIDDEN + hosts.substring(at));
            rest = authority.group(3);
        }
        int query = rest.indexOf('?');
        if (query < 0) {
            return shown.append(rest).toString();
        }
        shown.append(rest, 0, query + 1);
        // pgjdbc separates parameters with '&'; ';' is split too, so "user=a;password=b" is never shown either
        String[] parameters = rest.substring(query + 1).split("(?<=[&;])");
        for (String parameter : parameters) {
            int equals = parameter.indexOf('=');
            if (equals >= 0 && isSecretName(parameter.substring(0, equals))) {
                char last = parameter.charAt(parameter.length() - 1);
                shown.append(parameter, 0, equals + 1).append(HIDDEN);
                if (last == '&' || last == ';') {
                    shown.append(last);
                }
            } else {
                shown.append(parameter);
            }
        }
        return shown.toString();
    }

    /**
     * Why the URL must not be used in a plan: it carries a password before '@' or in a parameter. Names
     * the place (never the value), e.g. {@code "a password in the parameter 'pass%77ord'"}.
     */
    public static Optional<String> credentials(String url) {
        Matcher authority = AUTHORITY.matcher(url);
        String rest = url;
        if (authority.matches()) {
            if (authority.group(2).contains("@")) {
                return Optional.of("credentials before '@' (user:password@host)");
            }
            rest = authority.group(3);
        }
        int query = rest.indexOf('?');
        if (query < 0) {
            return Optional.empty();
        }
        for (String parameter : rest.substring(query + 1).split("[&;]")) {
            String name = parameter.contains("=") ? parameter.substring(0, parameter.indexOf('=')) : parameter;
            if (isPasswordName(name)) {
                return Optional.of("a password in the parameter '" + name + "'");
            }
        }
        return Optional.empty();
    }

    /** A parameter whose value is shown as ***: passwords, and the client key file of a TLS login. */
    static boolean isSecretName(String rawName) {
        String name = decode(rawName);
        return isPasswordName(rawName) || name.equals("sslkey") || name.contains("secret") || name.contains("token");
    }

    /**
     * A parameter that holds a password: {@code password}, {@code sslpassword} and anything else with
     * "password", "passwd" or "pwd" in its name, compared after URL-decoding and ignoring case (pgjdbc
     * decodes names, so {@code pass%77ord} is {@code password}). The name of pgjdbc's callback class
     * option, {@code sslpasswordcallback}, holds no secret.
     */
    static boolean isPasswordName(String rawName) {
        String name = decode(rawName);
        if (name.equals("sslpasswordcallback")) {
            return false;
        }
        return name.contains("password") || name.contains("passwd") || name.contains("pwd");
    }

    /** Lower-case and percent-decoded, repeatedly (a name encoded twice still counts); malformed escapes stay as they are. */
    private static String decode(String name) {
        String current = name.trim();
        for (int round = 0; round < 3 && current.indexOf('%') >= 0; round++) {
            try {
                String decoded = URLDecoder.decode(current.replace("+", "%2B"), StandardCharsets.UTF_8);
                if (decoded.equals(current)) {
                    break;
                }
                current = decoded;
            } catch (IllegalArgumentException malformed) {
                break;
            }
        }
        return current.trim().toLowerCase(Locale.ROOT);
    }
}
