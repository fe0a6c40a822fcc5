package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Limits of the Bot API.
const (
	maxTextLength        = 4096 // characters (code points), after entities are parsed, as tdlib's utf8_length
	maxCaptionLength     = 1024 // characters, likewise
	maxCallbackData      = 64   // bytes
	maxCallbackAnswerLen = 200
	maxAlbum             = 10
)

// markup is a parsed reply_markup parameter.
type markup struct {
	present     bool
	inline      *InlineKeyboardMarkup // nil or with at least one row
	keyboard    [][]KeyboardButton
	remove      bool
	forceReply  bool
	placeholder string
}

// apply sets the markup of a message being sent.
func (mk markup) apply(m *Message) {
	m.ReplyMarkup = mk.inline.clone()
	m.Keyboard = mk.keyboard
	m.RemoveKeyboard = mk.remove
	m.ForceReply = mk.forceReply
	m.Placeholder = mk.placeholder
}

// inlineButtonFields lists the fields that give an inline button its
// action, in the order Telegram looks at them.
var inlineButtonFields = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

// parseMarkup reads reply_markup and applies Telegram's checks of inline
// keyboards.
func parseMarkup(q *request) (markup, *apiError) {
	raw := q.str("reply_markup")
	if len(bytes.TrimSpace([]byte(raw))) == 0 {
		return markup{}, nil
	}
	var fields struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
		Keyboard       [][]KeyboardButton             `json:"keyboard"`
		RemoveKeyboard bool                           `json:"remove_keyboard"`
		ForceReply     bool                           `json:"force_reply"`
		Placeholder    string                         `json:"input_field_placeholder"`
	}
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		return markup{}, badRequest(descMarkupJSON)
	}
	mk := markup{
		present:     true,
		keyboard:    fields.Keyboard,
		remove:      fields.RemoveKeyboard,
		forceReply:  fields.ForceReply,
		placeholder: fields.Placeholder,
	}
	var rows [][]InlineKeyboardButton
	for _, row := range fields.InlineKeyboard {
		if len(row) == 0 {
			continue
		}
		buttons := make([]InlineKeyboardButton, 0, len(row))
		for _, b := range row {
			btn, err := parseInlineButton(b)
			if err != nil {
				return markup{}, err
			}
			buttons = append(buttons, btn)
		}
		rows = append(rows, buttons)
	}
	if len(rows) > 0 {
		mk.inline = &InlineKeyboardMarkup{InlineKeyboard: rows}
	}
	return mk, nil
}

func parseInlineButton(fields map[string]json.RawMessage) (InlineKeyboardButton, *apiError) {
	var btn InlineKeyboardButton
	if err := json.Unmarshal(fields["text"], &btn.Text); err != nil {
		return btn, badRequest(`can't parse inline keyboard button: Field "text" must be of type String`)
	}
	for _, name := range inlineButtonFields {
		value, ok := fields[name]
		if !ok || string(bytes.TrimSpace(value)) == "null" {
			continue
		}
		btn.Action = name
		switch name {
		case "callback_data":
			if json.Unmarshal(value, &btn.CallbackData) != nil || btn.CallbackData == "" || len(btn.CallbackData) > maxCallbackData {
				return btn, badRequest(descButtonData)
			}
		case "url":
			if json.Unmarshal(value, &btn.URL) != nil || !validButtonURL(btn.URL) {
				return btn, badRequest(descButtonURL)
			}
		default:
			btn.value = bytes.Clone(value)
		}
		return btn, nil
	}
	return btn, badRequest(descTextButtons)
}

func validButtonURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "tg":
		return true
	}
	return false
}

// inlineEqual reports whether two inline keyboards look the same to a user
// (and to Telegram's "message is not modified" check).
func inlineEqual(a, b *InlineKeyboardMarkup) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// utf16Len counts UTF-16 code units, the unit of entity offsets and of
// the shorter limits (command descriptions, callback answers).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// formatKey stands for the formatting of a text or caption: "" for plain
// text, otherwise the entities given explicitly (normalized JSON) or the
// source in its parse_mode. Two texts that look the same are formatted the
// same when their keys are equal; equal formatting spelled differently
// (<b> and <strong>) counts as different, which Telegram would not.
func formatKey(raw, parseMode, entities string) string {
	if e := strings.TrimSpace(entities); e != "" && e != "[]" && e != "null" {
		var v any
		if err := json.Unmarshal([]byte(e), &v); err == nil {
			if norm, err := json.Marshal(v); err == nil {
				return "entities:" + string(norm)
			}
		}
		return "entities:" + e
	}
	mode := strings.ToLower(parseMode)
	if !hasMarkup(raw, mode) {
		return ""
	}
	return mode + ":" + raw
}

// hasMarkup reports whether raw, in parse_mode mode, makes any entity.
func hasMarkup(raw, mode string) bool {
	switch mode {
	case "html":
		return strings.Contains(raw, "<")
	case "markdownv2":
		for i := 0; i < len(raw); i++ {
			if raw[i] == '\\' {
				i++
				continue
			}
			if strings.IndexByte("*_~|`[>", raw[i]) >= 0 {
				return true
			}
		}
		return false
	case "markdown":
		return strings.ContainsAny(raw, "*_`[")
	}
	return false
}

// visibleText returns the text a user sees once parse_mode markup is
// parsed, or Telegram's "can't parse entities" error.
func visibleText(text, parseMode string) (string, *apiError) {
	if !utf8.ValidString(text) {
		return "", badRequest("text must be encoded in UTF-8")
	}
	switch strings.ToLower(parseMode) {
	case "html":
		return parseHTML(text)
	case "markdownv2":
		return parseMarkdownV2(text)
	case "markdown":
		return parseMarkdown(text)
	}
	return text, nil
}
