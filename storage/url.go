package storage

import (
	"fmt"
	"net/url"
	"strings"
)

// IsURL reports whether p has the form scheme://... . Windows drive paths ("C:\x") and plain
// paths are not URLs.
func IsURL(p string) bool {
	i := strings.Index(p, "://")
	if i < 2 { // one letter is a Windows drive, not a scheme
		return false
	}
	for j, c := range p[:i] {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// LocalPath returns the operating-system path for p when p is a plain path or a file:// URL,
// and ok = false for any other URL. A file URL must be absolute ("file:///data/x.csv"); a host
// other than "" or "localhost" is rejected.
func LocalPath(p string) (osPath string, ok bool, err error) {
	if !IsURL(p) {
		return p, true, nil
	}
	if !strings.EqualFold(p[:strings.Index(p, "://")], "file") {
		return "", false, nil
	}
	u, err := url.Parse(p)
	if err != nil {
		return "", true, fmt.Errorf("sluice: storage: %s: %w", p, err)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", true, fmt.Errorf("sluice: storage: %s: file URL names host %q; only local files are supported", p, u.Host)
	}
	if u.Path == "" {
		return "", true, fmt.Errorf("sluice: storage: %s: file URL has no path", p)
	}
	return u.Path, true, nil
}

// location is a parsed object URL. It is split by hand, not by url.Parse, so that keys keep
// their bytes exactly ("%", "#" and spaces are legal in object keys) and a listed path maps
// back to the same key.
type location struct {
	scheme string // lower case
	bucket string // scheme://[user@]host, the cache key of the bucket
	user   string // "" or the user part, e.g. "anonymous"
	host   string
	key    string // object key, no leading slash; "" for the bucket root
	query  string // raw query without "?", "" when absent
}

// path returns the URL of key in the same bucket, without the query.
func (l location) path(key string) string { return l.bucket + "/" + key }

// String is the URL without the query, as errors name it.
func (l location) String() string { return l.path(l.key) }

func parseLocation(p string) (location, error) {
	if !IsURL(p) {
		return location{}, fmt.Errorf("sluice: storage: %q is not a URL", p)
	}
	i := strings.Index(p, "://")
	l := location{scheme: strings.ToLower(p[:i])}
	rest := p[i+3:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest, l.query = rest[:q], rest[q+1:]
		if _, err := url.ParseQuery(l.query); err != nil {
			return location{}, fmt.Errorf("sluice: storage: %s: bad options: %w", p, err)
		}
	}
	host := rest
	if s := strings.IndexByte(rest, '/'); s >= 0 {
		host, l.key = rest[:s], strings.TrimLeft(rest[s+1:], "/")
	}
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		l.user, host = host[:at], host[at+1:]
		if strings.Contains(l.user, ":") {
			// Not echoed: the part after ":" is a secret.
			return location{}, fmt.Errorf("sluice: storage: %s://%s/%s: a password in a URL is not supported; use the store's credential chain", l.scheme, host, l.key)
		}
	}
	if host == "" {
		return location{}, fmt.Errorf("sluice: storage: %s: no bucket name", p)
	}
	l.host = host
	l.bucket = l.scheme + "://" + host
	if l.user != "" {
		l.bucket = l.scheme + "://" + l.user + "@" + host
	}
	return l, nil
}

// bucketURL is the URL a driver opens: scheme, user, bucket and options.
func (l location) bucketURL(query string) *url.URL {
	u := &url.URL{Scheme: l.scheme, Host: l.host, RawQuery: query}
	if l.user != "" {
		u.User = url.User(l.user)
	}
	return u
}
