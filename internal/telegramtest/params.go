package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBodySize bounds a request body; Telegram takes uploads of up to 50 MB.
const maxBodySize = 64 << 20

// upload is a file part of a multipart request.
type upload struct {
	Filename    string
	ContentType string
	Data        []byte
}

// request is one Bot API call: its parameters from the query string and the
// body (JSON, urlencoded form or multipart form), all as strings the way
// the Bot API itself sees them (a JSON number or object is kept as its JSON
// text).
type request struct {
	params map[string]string
	files  map[string]upload
	// albumFault, for sendMediaGroup, is a fault that delivers only the
	// first items of the album.
	albumFault *Fault
}

// parseRequest reads the parameters of r. A malformed body is a 400, as in
// Telegram.
func parseRequest(w http.ResponseWriter, r *http.Request) (*request, *apiError) {
	q := &request{params: map[string]string{}, files: map[string]upload{}}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			q.params[k] = v[0]
		}
	}
	if r.Body == nil {
		return q, nil
	}
	body := http.MaxBytesReader(w, r.Body, maxBodySize)
	mediaType, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "multipart/form-data":
		return q, q.readMultipart(body, ctParams["boundary"])
	case "application/x-www-form-urlencoded":
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, readError(err)
		}
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, badRequest("can't parse form data")
		}
		for k, v := range form {
			if len(v) > 0 {
				q.params[k] = v[0]
			}
		}
		return q, nil
	default:
		// A body without a known Content-Type is read as JSON when it
		// looks like a JSON object, and ignored otherwise.
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, readError(err)
		}
		if mediaType != "application/json" && !looksLikeJSON(data) {
			return q, nil
		}
		return q, q.readJSON(data)
	}
}

func readError(err error) *apiError {
	return readErrorOr(err, "can't read request body")
}

func looksLikeJSON(data []byte) bool {
	data = bytes.TrimSpace(data)
	return len(data) > 0 && data[0] == '{'
}

// readJSON takes the parameters of a JSON object. An empty body and the
// JSON null (what telebot sends for a call without parameters) mean no
// parameters.
func (q *request) readJSON(data []byte) *apiError {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	if data[0] != '{' {
		return badRequest(descJSONObject)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return badRequest("can't parse JSON object: " + err.Error())
	}
	for k, raw := range fields {
		v, present, err := jsonParam(raw)
		if err != nil {
			return badRequestf("can't parse parameter value of %q", k)
		}
		if present {
			q.params[k] = v
		}
	}
	return nil
}

// jsonParam turns a JSON value into the string the Bot API sees: a string
// as is, null as absent, anything else as its JSON text.
func jsonParam(raw json.RawMessage) (string, bool, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", false, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	default:
		return string(raw), true, nil
	}
}

func (q *request) readMultipart(body io.Reader, boundary string) *apiError {
	if boundary == "" {
		return badRequest("can't parse multipart form: no boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return readErrorOr(err, "can't parse multipart form")
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return readErrorOr(err, "can't parse multipart form")
		}
		name := part.FormName()
		if name == "" {
			continue
		}
		if isFilePart(part) {
			q.files[name] = upload{Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"), Data: data}
			continue
		}
		q.params[name] = string(data)
	}
}

// isFilePart reports whether a multipart part is a file: it has a filename
// (even an empty one, which is what telebot sends for an io.Reader) or a
// Content-Type of its own.
func isFilePart(part *multipart.Part) bool {
	if part.FileName() != "" || part.Header.Get("Content-Type") != "" {
		return true
	}
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	_, named := params["filename"]
	return err == nil && named
}

func readErrorOr(err error, description string) *apiError {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &apiError{Code: http.StatusRequestEntityTooLarge, Description: descRequestTooLarge}
	}
	return badRequest(description)
}

// str returns a parameter, "" when absent.
func (q *request) str(name string) string { return q.params[name] }

// has reports whether the parameter is present.
func (q *request) has(name string) bool {
	_, ok := q.params[name]
	return ok
}

// boolean reads a Boolean parameter the way the Bot API does: "true" or
// "1" is true.
func (q *request) boolean(name string) bool {
	v := strings.ToLower(strings.TrimSpace(q.params[name]))
	return v == "true" || v == "1"
}

// integer reads an optional integer parameter; absent is 0.
func (q *request) integer(name string) (int64, *apiError) {
	v := strings.TrimSpace(q.params[name])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badRequestf("invalid %s specified", name)
	}
	return n, nil
}

// coordinate reads a required latitude or longitude within ±limit.
func (q *request) coordinate(name string, limit float64) (float64, *apiError) {
	v := strings.TrimSpace(q.params[name])
	if v == "" {
		return 0, missingParam(name)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= -limit && f <= limit) { // NaN fails both
		return 0, badRequestf("invalid %s specified", name)
	}
	return f, nil
}

// jsonValue decodes a parameter that carries JSON (a JSON-serialized string
// in a form, or a nested value in a JSON body). It reports whether the
// parameter was present.
func (q *request) jsonValue(name string, v any) (bool, *apiError) {
	s, ok := q.params[name]
	if !ok || strings.TrimSpace(s) == "" {
		return false, nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return true, badRequestf("can't parse %s JSON object", name)
	}
	return true, nil
}

// chatParam returns the chat_id parameter as an id, or an @username.
func (q *request) chatParam() (id int64, username string, err *apiError) {
	v := strings.TrimSpace(q.params["chat_id"])
	if v == "" {
		return 0, "", badRequest(descChatIDEmpty)
	}
	if strings.HasPrefix(v, "@") {
		return 0, v[1:], nil
	}
	n, perr := strconv.ParseInt(v, 10, 64)
	if perr != nil {
		return 0, "", badRequest(descChatNotFound)
	}
	return n, "", nil
}
