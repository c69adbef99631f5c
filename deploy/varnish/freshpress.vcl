vcl 4.1;

# Varnish in front of Freshpress (npm start with EDGE=varnish and EDGE_PURGE_URL pointing here).
# Needs the xkey vmod (Debian: apt install varnish varnish-modules). Pages are kept for as long as
# the server says (EDGE_MAX_AGE at most) and purged by their content tags the moment a comment or a
# post changes them.
#
# PURGE needs both an address in `purgers` and the shared secret: varnishd's environment variable
# FRESHPRESS_PURGE_TOKEN, equal to Freshpress's EDGE_PURGE_TOKEN (see the README, "Varnish, step by
# step"). Unset or shorter than 16 characters, every PURGE is refused.

import cookie;
import std;
import xkey;

# Edit: where Freshpress listens.
backend freshpress {
    .host = "127.0.0.1";
    .port = "3000";
    .connect_timeout = 2s;
    .first_byte_timeout = 60s;
}

# Edit: the addresses of the Freshpress servers, which send the purges. Not enough alone: behind a
# TLS terminator on this host every visitor comes from 127.0.0.1, hence the secret as well.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # std.getenv gives "" when unset, and "" equals a missing header: the length test comes first.
        if (std.getenv("FRESHPRESS_PURGE_TOKEN") !~ "^.{16,}$" ||
            req.http.X-Purge-Token != std.getenv("FRESHPRESS_PURGE_TOKEN")) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey) {
            return (synth(400, "PURGE needs an xkey header"));
        }
        # Hard purge: a soft one would keep the old page as grace, and serve it while refetching.
        set req.http.x-purged = xkey.purge(req.http.xkey);
        return (synth(200, "Purged " + req.http.x-purged));
    }
    # Comments, server actions and the admin API (POST and the rest) always reach the server, with
    # every cookie they came with.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Campaign and click identifiers: the server ignores the query, so each value would only be one
    # more copy of the same page (analytics read them in the browser, whose address keeps them).
    # The query gets a leading "&" so every parameter starts alike; what is left, if anything, is
    # put back after a "?".
    if (req.url ~ "\?") {
        set req.http.X-Kept-Query = regsuball(regsub(req.url, "^[^?]*\?", "&"),
            "&(?:utm_[^=&]*|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|twclid|ttclid|igshid|mc_cid|mc_eid|_ga|_gl)(?:=[^&]*)?(?=&|$)",
            "");
        set req.url = regsub(req.url, "\?.*$", "") + regsub(req.http.X-Kept-Query, "^&", "?");
        unset req.http.X-Kept-Query;
    }
    # Only Freshpress's own cookies change an answer: the admin's session (sent to /admin alone),
    # the statistics' unlock, Next's draft mode. Anyone holding one reaches the server with that
    # one; every other cookie (analytics, a consent banner's) is dropped, so it neither makes each
    # page a miss nor reaches the server.
    if (req.http.Cookie) {
        cookie.parse(req.http.Cookie);
        cookie.keep("freshpress_admin,freshpress_stats,__prerender_bypass,__next_preview_data");
        # get_string ends each cookie with ";", the last one too.
        set req.http.Cookie = regsub(cookie.get_string(), ";\s*$", "");
        if (req.http.Cookie == "") {
            unset req.http.Cookie;
        } else {
            return (pass);
        }
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # The router headers only mean something on a React Server Components request; dropping them
    # elsewhere keeps one copy of each HTML page instead of one per header value.
    if (!req.http.RSC) {
        unset req.http.Next-Router-State-Tree;
        unset req.http.Next-Router-Prefetch;
        unset req.http.Next-Router-Segment-Prefetch;
    }
    return (hash);
}

sub vcl_hash {
    # RSC payloads apart from HTML pages: an answer to one that may not be kept (Next's redirect of
    # an RSC request without its `_rsc` check value carries no Vary) would otherwise stand for both.
    if (req.http.RSC) {
        hash_data("rsc");
    }
    # Varnish's own vcl_hash follows: the URL and the host.
}

sub vcl_backend_response {
    # A page Freshpress can purge: its keys in xkey, its lifetime in Surrogate-Control. The server
    # sends Cache-Control: max-age=0 for every cache it cannot purge; Varnish follows this instead.
    if (beresp.http.xkey && beresp.http.Surrogate-Control ~ "max-age=[0-9]+" && !beresp.http.Set-Cookie) {
        set beresp.ttl = std.duration(regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", 0s);
        # Never an old page while refetching: no grace after expiry or purge.
        set beresp.grace = 0s;
        unset beresp.http.Surrogate-Control;
        # Next varies pages on its router headers (RSC payload or HTML); Varnish honours that Vary.
        return (deliver);
    }
    # A page without keys (a render that raced a change, an error page) is not kept; asked again in
    # a second rather than passed for two minutes, as Varnish would do by default.
    if (beresp.http.Cache-Control ~ "max-age=0" && !beresp.http.xkey) {
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    # Everything else follows Cache-Control: immutable scripts and styles are kept, dynamic pages
    # (private, no-store) are not.
}

sub vcl_deliver {
    # The keys are for Varnish only.
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
