package telegramtest

import (
	"fmt"
	"html"
	"strings"
)

// The parsers below turn text sent with a parse_mode into the text a user
// sees, and reject what Telegram rejects with "can't parse entities". They
// check the structure (supported and balanced tags, escaped reserved
// characters, closed entities), not every detail of Telegram's own
// parsers; the entities themselves are not kept.

func entityErr(format string, args ...any) *apiError {
	return badRequest("can't parse entities: " + fmt.Sprintf(format, args...))
}

// htmlTags are the tags Telegram's HTML style supports.
var htmlTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "code": true, "pre": true, "blockquote": true, "tg-emoji": true,
}

func parseHTML(s string) (string, *apiError) {
	var (
		out   strings.Builder
		stack []string
	)
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", entityErr("Unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			if name, ok := strings.CutPrefix(tag, "/"); ok {
				name = strings.ToLower(strings.TrimSpace(name))
				if len(stack) == 0 {
					return "", entityErr("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != "" && name != top {
					return "", entityErr("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top, name)
				}
				stack = stack[:len(stack)-1]
			} else {
				name := strings.ToLower(tag)
				if k := strings.IndexAny(name, " \t\n/"); k >= 0 {
					name = name[:k]
				}
				if !htmlTags[name] {
					return "", entityErr("Unsupported start tag \"%s\" at byte offset %d", name, i)
				}
				stack = append(stack, name)
			}
			i += end + 1
		case '&':
			if semi := strings.IndexByte(s[i:], ';'); semi > 1 && semi <= 10 {
				ent := s[i : i+semi+1]
				if dec := html.UnescapeString(ent); dec != ent {
					out.WriteString(dec)
					i += semi + 1
					continue
				}
			}
			out.WriteByte(c)
			i++
		default:
			out.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		return "", entityErr("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1])
	}
	return out.String(), nil
}

// indexUnescaped returns the index of delim in s at or after from, skipping
// backslash escapes; -1 if there is none.
func indexUnescaped(s string, from int, delim string) int {
	for i := from; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if strings.HasPrefix(s[i:], delim) {
			return i
		}
	}
	return -1
}

func unescapeCode(s string) string {
	return strings.NewReplacer("\\\\", "\\", "\\`", "`").Replace(s)
}

// preContent drops the first line of a pre block: the language, possibly
// empty.
func preContent(s string) string {
	if k := strings.IndexByte(s, '\n'); k >= 0 && !strings.ContainsAny(s[:k], " \t") {
		return s[k+1:]
	}
	return s
}

func parseMarkdownV2(s string) (string, *apiError) {
	type open struct {
		kind   string
		offset int
	}
	var (
		out   strings.Builder
		stack []open
	)
	toggle := func(kind string, at int) *apiError {
		if n := len(stack); n > 0 && stack[n-1].kind == kind {
			stack = stack[:n-1]
			return nil
		}
		for _, o := range stack {
			if o.kind == kind {
				top := stack[len(stack)-1]
				return entityErr("Can't find end of %s entity at byte offset %d", top.kind, top.offset)
			}
		}
		stack = append(stack, open{kind, at})
		return nil
	}
	reserved := func(c byte) *apiError {
		return entityErr("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
	}
	for i := 0; i < len(s); {
		c := s[i]
		var err *apiError
		switch {
		case c == '\\':
			if i+1 < len(s) && s[i+1] > 0 && s[i+1] < 127 {
				out.WriteByte(s[i+1])
				i += 2
				continue
			}
			out.WriteByte(c)
			i++
		case strings.HasPrefix(s[i:], "```"):
			end := indexUnescaped(s, i+3, "```")
			if end < 0 {
				return "", entityErr("Can't find end of Pre entity at byte offset %d", i)
			}
			out.WriteString(unescapeCode(preContent(s[i+3 : end])))
			i = end + 3
		case c == '`':
			end := indexUnescaped(s, i+1, "`")
			if end < 0 {
				return "", entityErr("Can't find end of Code entity at byte offset %d", i)
			}
			out.WriteString(unescapeCode(s[i+1 : end]))
			i = end + 1
		case c == '*':
			err = toggle("Bold", i)
			i++
		case c == '~':
			err = toggle("Strikethrough", i)
			i++
		case strings.HasPrefix(s[i:], "__"):
			err = toggle("Underline", i)
			i += 2
		case c == '_':
			err = toggle("Italic", i)
			i++
		case strings.HasPrefix(s[i:], "||"):
			err = toggle("Spoiler", i)
			i += 2
		case c == '[':
			stack = append(stack, open{"TextUrl", i})
			i++
		case c == ']':
			n := len(stack)
			if n == 0 || stack[n-1].kind != "TextUrl" {
				return "", reserved(c)
			}
			stack = stack[:n-1]
			i++
			if i < len(s) && s[i] == '(' {
				end := indexUnescaped(s, i+1, ")")
				if end < 0 {
					return "", entityErr("Can't find end of a URL at byte offset %d", i)
				}
				i = end + 1
			}
		case c == '>' && (i == 0 || s[i-1] == '\n'):
			i++ // a blockquote line
		case strings.IndexByte("_*[]()~`>#+-=|{}.!", c) >= 0:
			return "", reserved(c)
		default:
			out.WriteByte(c)
			i++
		}
		if err != nil {
			return "", err
		}
	}
	if n := len(stack); n > 0 {
		return "", entityErr("Can't find end of %s entity at byte offset %d", stack[n-1].kind, stack[n-1].offset)
	}
	return out.String(), nil
}

// parseMarkdown parses the legacy Markdown style: *bold*, _italic_,
// `code`, ```pre```, [text](url); entities cannot be nested.
func parseMarkdown(s string) (string, *apiError) {
	var out strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && strings.IndexByte("_*`[", s[i+1]) >= 0 {
				out.WriteByte(s[i+1])
				i += 2
				continue
			}
			out.WriteByte(c)
			i++
		case '*', '_', '`':
			delim := string(c)
			if strings.HasPrefix(s[i:], "```") {
				delim = "```"
			}
			end := strings.Index(s[i+len(delim):], delim)
			if end < 0 {
				return "", entityErr("Can't find end of the entity starting at byte offset %d", i)
			}
			content := s[i+len(delim) : i+len(delim)+end]
			if delim == "```" {
				content = preContent(content)
			}
			out.WriteString(content)
			i += 2*len(delim) + end
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return "", entityErr("Can't find end of the entity starting at byte offset %d", i)
			}
			out.WriteString(s[i+1 : i+end])
			i += end + 1
			if i < len(s) && s[i] == '(' {
				if close := strings.IndexByte(s[i:], ')'); close >= 0 {
					i += close + 1
				}
			}
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.String(), nil
}
