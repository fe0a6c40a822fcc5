package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestTransportCountsByMethodAndResult: each Bot API call is counted by
// its method and the class of Telegram's answer, a 429's retry_after is
// recorded with the body left whole for telebot, and the token never
// becomes a label.
func TestTransportCountsByMethodAndResult(t *testing.T) {
	t.Parallel()
	const token = "123456:SECRET-token"
	status := map[string]int{"sendMessage": 200, "editMessageText": 400, "sendPhoto": 403, "sendDocument": 502, "answerCallbackQuery": 429}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		code := status[method]
		w.WriteHeader(code)
		if code == 429 {
			io.WriteString(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`)
			return
		}
		io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	defer api.Close()
	reg := prometheus.NewRegistry()
	m := New(reg, nil)
	client := &http.Client{Transport: m.Transport(nil)}
	for method := range status {
		resp, err := client.Post(api.URL+"/bot"+token+"/"+method, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if method == "answerCallbackQuery" && !strings.Contains(string(body), `"retry_after":7`) {
			t.Errorf("429 body as the caller reads it: %q", body)
		}
	}
	for method, result := range map[string]string{
		"sendMessage": "ok", "editMessageText": "4xx", "sendPhoto": "403", "sendDocument": "5xx", "answerCallbackQuery": "429",
	} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(method, result)); got != 1 {
			t.Errorf("mcu_telegram_requests_total{method=%q,result=%q} = %v, want 1", method, result, got)
		}
	}
	if n := testutil.CollectAndCount(m.latency); n != len(status) {
		t.Errorf("latency series: %d, want %d", n, len(status))
	}
	want := `
# HELP mcu_telegram_retry_after_seconds Waits Telegram asked for in 429 answers (retry_after), by method.
# TYPE mcu_telegram_retry_after_seconds histogram
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="1"} 0
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="2"} 0
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="5"} 0
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="10"} 1
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="30"} 1
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="60"} 1
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="300"} 1
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="1800"} 1
mcu_telegram_retry_after_seconds_bucket{method="answerCallbackQuery",le="+Inf"} 1
mcu_telegram_retry_after_seconds_sum{method="answerCallbackQuery"} 7
mcu_telegram_retry_after_seconds_count{method="answerCallbackQuery"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "mcu_telegram_retry_after_seconds"); err != nil {
		t.Error(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if strings.Contains(f.String(), "SECRET") {
			t.Errorf("%s holds the token: %s", f.GetName(), f)
		}
	}
}

func TestMethodOf(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/bot123:abc/sendMessage":          "sendMessage",
		"/bot123:abc/":                     "other",
		"/bot123:abc/send%20x":             "other",
		"/file/bot123:abc/photos/file.jpg": "file",
		"/metrics":                         "other",
		"/bot123:abc/a/b":                  "other",
	} {
		if got := methodOf(path); got != want {
			t.Errorf("methodOf(%q) = %q, want %q", path, got, want)
		}
	}
}
