package telegramtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// Call is one request the bot made and how the server answered it.
type Call struct {
	// Seq numbers calls from 1 in the order they finished.
	Seq  int
	Time time.Time
	// Duration is how long the server took to answer (long polls and
	// delays included).
	Duration time.Duration
	// Method is the canonical name ("sendMessage" for "sendmessage"), or
	// "file" for a download from the file route.
	Method string
	// Params holds every parameter as a string, the way the Bot API sees
	// it: JSON numbers, Booleans, objects and arrays as their JSON text.
	Params map[string]string
	// Files maps the fields of uploaded files to their file names.
	Files map[string]string
	// Status is the HTTP status (and error_code) of the answer; 0 if no
	// answer was written (the client went away, or a Disconnect fault).
	Status int
	// Description is the error description of a failed call.
	Description string
	// Response is the body of the answer.
	Response json.RawMessage
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == 200 }

// Param returns a parameter, "" when absent.
func (c Call) Param(name string) string { return c.Params[name] }

// ChatID returns the chat_id parameter as a number (0 if absent or a
// @username).
func (c Call) ChatID() int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(c.Params["chat_id"]), 10, 64)
	return id
}

// Result decodes the result of a successful call into v.
func (c Call) Result(v any) error {
	var body struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(c.Response, &body); err != nil {
		return fmt.Errorf("telegramtest: decode answer of %s: %w", c.Method, err)
	}
	if !body.OK {
		return fmt.Errorf("telegramtest: %s failed: %s", c.Method, c.Description)
	}
	return json.Unmarshal(body.Result, v)
}

// String describes the call in one line.
func (c Call) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s", c.Seq, c.Method)
	for _, k := range []string{"chat_id", "message_id", "text", "caption", "callback_query_id", "offset", "file_path"} {
		if v, ok := c.Params[k]; ok {
			if r := []rune(v); len(r) > 60 {
				v = string(r[:60]) + "…"
			}
			fmt.Fprintf(&b, " %s=%q", k, v)
		}
	}
	if c.OK() {
		fmt.Fprintf(&b, " → 200")
	} else {
		fmt.Fprintf(&b, " → %d %s", c.Status, c.Description)
	}
	return b.String()
}

func (c Call) clone() Call {
	c.Params = maps.Clone(c.Params)
	c.Files = maps.Clone(c.Files)
	c.Response = append(json.RawMessage(nil), c.Response...)
	return c
}

// Calls returns every call made so far, in the order they finished.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.clone()
	}
	return out
}

// CallsOf returns the calls of one method (any case), in order.
func (s *Server) CallsOf(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if strings.EqualFold(c.Method, method) {
			out = append(out, c.clone())
		}
	}
	return out
}
