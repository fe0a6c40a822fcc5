package metrics

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxErrorBody bounds how much of an error answer is read for its
// retry_after; Telegram's are a few hundred bytes.
const maxErrorBody = 64 << 10

// Transport wraps next (nil: http.DefaultTransport) so that every Bot API
// call through it is counted by method and result and timed, and every
// 429's retry_after recorded. The method is the last element of the path
// /bot<token>/<method>; the token is never looked at or kept. Give it to
// the client telebot sends with (tele.Settings.Client), so the dispatcher
// and the handlers are counted without knowing it.
func (m *Metrics) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{m: m, next: next}
}

type transport struct {
	m    *Metrics
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := methodOf(req.URL.Path)
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.m.latency.WithLabelValues(method).Observe(time.Since(start).Seconds())
	if err != nil {
		t.m.requests.WithLabelValues(method, "error").Inc()
		return resp, err
	}
	t.m.requests.WithLabelValues(method, result(resp.StatusCode)).Inc()
	if resp.StatusCode == http.StatusTooManyRequests {
		if after, ok := retryAfter(resp); ok {
			t.m.retryAfter.WithLabelValues(method).Observe(after)
		}
	}
	return resp, nil
}

// methodOf returns the Bot API method of a path /bot<token>/<method>
// (or /file/bot<token>/…: "file"); anything else is "other", so that
// neither the token nor an unbounded set of values becomes a label.
func methodOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) >= 1 && parts[0] == "file" {
		return "file"
	}
	if len(parts) != 2 || !strings.HasPrefix(parts[0], "bot") {
		return "other"
	}
	name := parts[1]
	if name == "" || len(name) > 64 {
		return "other"
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return "other"
		}
	}
	return name
}

// result is the label of an answer's HTTP status, which the Bot API
// makes its error_code.
func result(status int) string {
	switch {
	case status >= 200 && status < 300:
		return "ok"
	case status == http.StatusTooManyRequests:
		return "429"
	case status == http.StatusForbidden:
		return "403"
	case status >= 400 && status < 500:
		return "4xx"
	case status >= 500:
		return "5xx"
	}
	return strconv.Itoa(status)
}

// retryAfter reads parameters.retry_after of a 429 answer, putting the
// body back for the caller.
func retryAfter(resp *http.Response) (float64, bool) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), rest}
	if err != nil {
		return 0, false
	}
	var answer struct {
		Parameters struct {
			RetryAfter float64 `json:"retry_after"`
		} `json:"parameters"`
	}
	if json.Unmarshal(body, &answer) != nil || answer.Parameters.RetryAfter <= 0 {
		return 0, false
	}
	return answer.Parameters.RetryAfter, true
}
