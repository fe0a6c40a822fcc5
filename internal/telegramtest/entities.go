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

// parseMarkdownV2 parses the MarkdownV2 style: *bold*, _italic_,
// __underline__, ~strikethrough~, ||spoiler||, `code`, ```pre```,
// [text](url) and > blockquotes; entities nest, and every other reserved
// character must be escaped with a backslash.
func parseMarkdownV2(s string) (string, *apiError) {
	p := &markdownV2Parser{s: s}
	for p.i < len(s) {
		if err := p.step(); err != nil {
			return "", err
		}
	}
	if n := len(p.stack); n > 0 {
		return "", unclosedEntity(p.stack[n-1])
	}
	return p.out.String(), nil
}

// openEntity is a MarkdownV2 entity started at a byte offset and not
// closed yet.
type openEntity struct {
	kind   string
	offset int
}

// unclosedEntity is the error for an entity that is never closed.
func unclosedEntity(o openEntity) *apiError {
	return entityErr("Can't find end of %s entity at byte offset %d", o.kind, o.offset)
}

// reservedChar is the error for a reserved character that is not escaped.
func reservedChar(c byte) *apiError {
	return entityErr("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
}

// markdownV2Toggles are the MarkdownV2 delimiters that both open and close
// an entity, a longer one before the one it starts with.
var markdownV2Toggles = []struct{ delim, kind string }{
	{"*", "Bold"},
	{"~", "Strikethrough"},
	{"__", "Underline"},
	{"_", "Italic"},
	{"||", "Spoiler"},
}

// markdownV2Parser is the state of parseMarkdownV2: the text, the offset
// of the next byte to read, the visible text so far and the entities
// still open, innermost last.
type markdownV2Parser struct {
	s     string
	i     int
	out   strings.Builder
	stack []openEntity
}

// step reads what starts at p.i: an escape, a code or pre entity, an
// entity delimiter, a blockquote mark or a plain character.
func (p *markdownV2Parser) step() *apiError {
	s, i, c := p.s, p.i, p.s[p.i]
	switch {
	case c == '\\':
		p.escape()
		return nil
	case strings.HasPrefix(s[i:], "```"):
		return p.code("```", "Pre")
	case c == '`':
		return p.code("`", "Code")
	case c == '[':
		p.stack = append(p.stack, openEntity{"TextUrl", i})
		p.i++
		return nil
	case c == ']':
		return p.closeTextURL()
	case c == '>' && (i == 0 || s[i-1] == '\n'):
		p.i++ // a blockquote line
		return nil
	}
	for _, t := range markdownV2Toggles {
		if strings.HasPrefix(s[i:], t.delim) {
			p.i += len(t.delim)
			return p.toggle(t.kind, i)
		}
	}
	if strings.IndexByte("_*[]()~`>#+-=|{}.!", c) >= 0 {
		return reservedChar(c)
	}
	p.out.WriteByte(c)
	p.i++
	return nil
}

// escape reads a backslash: before an ASCII character it stands for that
// character, otherwise for itself.
func (p *markdownV2Parser) escape() {
	if p.i+1 < len(p.s) && p.s[p.i+1] > 0 && p.s[p.i+1] < 127 {
		p.out.WriteByte(p.s[p.i+1])
		p.i += 2
		return
	}
	p.out.WriteByte('\\')
	p.i++
}

// code reads a code or pre entity (kind) enclosed in delim, whose content
// is copied unescaped and, for a pre block, without its language line.
func (p *markdownV2Parser) code(delim, kind string) *apiError {
	start := p.i + len(delim)
	end := indexUnescaped(p.s, start, delim)
	if end < 0 {
		return unclosedEntity(openEntity{kind, p.i})
	}
	content := p.s[start:end]
	if kind == "Pre" {
		content = preContent(content)
	}
	p.out.WriteString(unescapeCode(content))
	p.i = end + len(delim)
	return nil
}

// toggle closes the entity kind when it is the innermost one open, and
// otherwise opens it at offset at; an entity of that kind open further
// out means the innermost one is never closed.
func (p *markdownV2Parser) toggle(kind string, at int) *apiError {
	if n := len(p.stack); n > 0 && p.stack[n-1].kind == kind {
		p.stack = p.stack[:n-1]
		return nil
	}
	for _, o := range p.stack {
		if o.kind == kind {
			return unclosedEntity(p.stack[len(p.stack)-1])
		}
	}
	p.stack = append(p.stack, openEntity{kind, at})
	return nil
}

// closeTextURL reads the ']' that closes the innermost entity, which must
// be a TextUrl, and skips the (url) that may follow it.
func (p *markdownV2Parser) closeTextURL() *apiError {
	n := len(p.stack)
	if n == 0 || p.stack[n-1].kind != "TextUrl" {
		return reservedChar(']')
	}
	p.stack = p.stack[:n-1]
	p.i++
	if p.i < len(p.s) && p.s[p.i] == '(' {
		end := indexUnescaped(p.s, p.i+1, ")")
		if end < 0 {
			return entityErr("Can't find end of a URL at byte offset %d", p.i)
		}
		p.i = end + 1
	}
	return nil
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
