package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// apiAnswer is a decoded Bot API answer.
type apiAnswer struct {
	Status      int
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
	Header http.Header
}

func (a apiAnswer) decode(t *testing.T, v any) {
	t.Helper()
	if !a.OK {
		t.Fatalf("call failed: %d %s", a.ErrorCode, a.Description)
	}
	if err := json.Unmarshal(a.Result, v); err != nil {
		t.Fatalf("decode result %s: %v", a.Result, err)
	}
}

func do(t *testing.T, req *http.Request) apiAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	a := apiAnswer{Status: resp.StatusCode, Header: resp.Header}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("answer is not JSON: %q", body)
	}
	a.Status = resp.StatusCode
	if a.OK != (a.Status == http.StatusOK) {
		t.Fatalf("ok=%v with status %d", a.OK, a.Status)
	}
	if !a.OK && a.ErrorCode != a.Status {
		t.Fatalf("error_code %d with status %d", a.ErrorCode, a.Status)
	}
	return a
}

// callJSON calls a method with a JSON body, as telebot does.
func callJSON(t *testing.T, srv *Server, method string, params any) apiAnswer {
	t.Helper()
	body, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/bot"+srv.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

// callForm calls a method with an urlencoded body.
func callForm(t *testing.T, srv *Server, method string, params url.Values) apiAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/bot"+srv.Token+"/"+method, strings.NewReader(params.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

// callMultipart calls a method with a multipart body and one file.
func callMultipart(t *testing.T, srv *Server, method string, params map[string]string, field, filename string, data []byte) apiAnswer {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range params {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	part, err := w.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/bot"+srv.Token+"/"+method, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return do(t, req)
}

// newServer starts a quiet server for a test.
func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return MustNew(t, opts)
}

// sendText sends a message as the bot through the API and returns it.
func sendText(t *testing.T, srv *Server, chatID int64, text string, extra map[string]any) Message {
	t.Helper()
	params := map[string]any{"chat_id": chatID, "text": text}
	for k, v := range extra {
		params[k] = v
	}
	var m Message
	callJSON(t, srv, "sendMessage", params).decode(t, &m)
	return m
}

func keyboard(rows ...[]map[string]any) map[string]any {
	return map[string]any{"inline_keyboard": rows}
}

func button(text, data string) map[string]any {
	return map[string]any{"text": text, "callback_data": data}
}
