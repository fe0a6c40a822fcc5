package telegramtest

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

func (s *Server) getMe(context.Context, *request) (any, string, *apiError) {
	return struct {
		User
		CanJoinGroups           bool `json:"can_join_groups"`
		CanReadAllGroupMessages bool `json:"can_read_all_group_messages"`
		SupportsInlineQueries   bool `json:"supports_inline_queries"`
		CanConnectToBusiness    bool `json:"can_connect_to_business"`
		HasMainWebApp           bool `json:"has_main_web_app"`
	}{User: s.Bot, CanJoinGroups: true, CanReadAllGroupMessages: !s.opts.GroupPrivacy}, "", nil
}

// getChat returns what the bot may know of a chat.
func (s *Server) getChat(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, err := s.chatForBotLocked(q)
	if err != nil {
		return nil, "", err
	}
	return struct {
		Chat
		AccentColorID    int `json:"accent_color_id"`
		MaxReactionCount int `json:"max_reaction_count"`
	}{Chat: cs.chat, MaxReactionCount: 11}, "", nil
}

// commandsKey identifies a command list by scope and language.
func commandsKey(q *request) (string, *apiError) {
	var scope BotCommandScope
	if _, err := q.jsonValue("scope", &scope); err != nil {
		return "", err
	}
	return scopeKey(scope, q.str("language_code")), nil
}

func scopeKey(scope BotCommandScope, lang string) string {
	if scope.Type == "" {
		scope.Type = "default"
	}
	return fmt.Sprintf("%s/%d/%d/%s", scope.Type, scope.ChatID, scope.UserID, lang)
}

var commandRx = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setMyCommands(_ context.Context, q *request) (any, string, *apiError) {
	var cmds []BotCommand
	present, err := q.jsonValue("commands", &cmds)
	if err != nil {
		return nil, "", err
	}
	if !present {
		return nil, "", missingParam("commands")
	}
	if len(cmds) > 100 {
		return nil, "", badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !commandRx.MatchString(c.Command) {
			return nil, "", badRequest(descBotCommand)
		}
		if n := utf16Len(c.Description); n == 0 || n > 256 {
			return nil, "", badRequest("command description must be 1-256 characters long")
		}
	}
	key, err := commandsKey(q)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.notifyLocked()
	return true, "", nil
}

func (s *Server) getMyCommands(_ context.Context, q *request) (any, string, *apiError) {
	key, err := commandsKey(q)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := slices.Clone(s.commands[key])
	if cmds == nil {
		cmds = []BotCommand{}
	}
	return cmds, "", nil
}

func (s *Server) deleteMyCommands(_ context.Context, q *request) (any, string, *apiError) {
	key, err := commandsKey(q)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, key)
	s.notifyLocked()
	return true, "", nil
}

// Commands returns the bot's commands for a scope and a language code ("" for
// all languages), as set by setMyCommands.
func (s *Server) Commands(scope BotCommandScope, languageCode string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[scopeKey(scope, languageCode)])
}

// setWebhook records the webhook; the server then delivers updates to it
// (plain http is accepted, unlike Telegram, so that a test can use
// httptest).
// secretRx is the alphabet of a webhook's secret_token; empty is no
// secret.
var secretRx = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)

func (s *Server) setWebhook(_ context.Context, q *request) (any, string, *apiError) {
	raw := q.str("url")
	if raw == "" {
		return s.removeWebhook(q.boolean("drop_pending_updates"))
	}
	u, perr := url.Parse(raw)
	if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", badRequest(descBadWebhookURL)
	}
	secret := q.str("secret_token")
	switch {
	case len(secret) > 256:
		return nil, "", badRequest(descSecretTooLong)
	case !secretRx.MatchString(secret):
		return nil, "", badRequest(descSecretChars)
	}
	var allowed []string
	hasAllowed, err := q.jsonValue("allowed_updates", &allowed)
	if err != nil {
		return nil, "", err
	}
	maxConn, err := q.integer("max_connections")
	if err != nil {
		return nil, "", err
	}
	if maxConn == 0 {
		maxConn = 40
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	desc := "Webhook was set"
	if s.webhook.URL == raw {
		desc = "Webhook is already set"
	}
	s.webhook.URL = raw
	s.webhook.SecretToken = secret
	s.webhook.MaxConnections = int(maxConn)
	s.webhook.LastErrorDate, s.webhook.LastErrorMessage = 0, ""
	if hasAllowed {
		s.setAllowedLocked(allowed)
	}
	if q.boolean("drop_pending_updates") {
		s.dropPendingLocked()
	}
	s.pollGen++ // a long poll in progress ends with a conflict
	s.notifyLocked()
	return true, desc, nil
}

func (s *Server) deleteWebhook(_ context.Context, q *request) (any, string, *apiError) {
	return s.removeWebhook(q.boolean("drop_pending_updates"))
}

func (s *Server) removeWebhook(dropPending bool) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	desc := "Webhook was deleted"
	if s.webhook.URL == "" {
		desc = "Webhook is already deleted"
	}
	s.webhook = WebhookInfo{}
	if dropPending {
		s.dropPendingLocked()
	}
	s.notifyLocked()
	return true, desc, nil
}

func (s *Server) getWebhookInfo(context.Context, *request) (any, string, *apiError) {
	return s.Webhook(), "", nil
}

// Webhook returns the webhook as the bot set it.
func (s *Server) Webhook() WebhookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := s.webhook
	info.PendingUpdateCount = len(s.pending)
	if info.URL != "" {
		info.AllowedUpdates = s.allowedListLocked()
	}
	return info
}

// callbackState is a callback query the server sent and its answer.
type callbackState struct {
	pressed  time.Time // by the server's clock
	answered bool
	answer   CallbackAnswer
}

func (s *Server) answerCallbackQuery(_ context.Context, q *request) (any, string, *apiError) {
	id := q.str("callback_query_id")
	if id == "" {
		return nil, "", missingParam("callback_query_id")
	}
	text := q.str("text")
	if utf16Len(text) > maxCallbackAnswerLen {
		return nil, "", badRequest(descEditTooLong)
	}
	cacheTime, err := q.integer("cache_time")
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[id]
	if cb == nil || cb.answered {
		return nil, "", badRequest(descQueryTooOld)
	}
	if s.limits.On && s.limitsNow().Sub(cb.pressed) > s.limits.CallbackTimeout {
		return nil, "", badRequest(descQueryTooOld)
	}
	cb.answered = true
	cb.answer = CallbackAnswer{QueryID: id, Text: text, ShowAlert: q.boolean("show_alert"), URL: q.str("url"), CacheTime: int(cacheTime)}
	s.notifyLocked()
	return true, "", nil
}

// allowedListLocked returns the allowed_updates in force, nil for
// Telegram's default.
func (s *Server) allowedListLocked() []string {
	if s.allowed == nil {
		return nil
	}
	var out []string
	for k := range s.allowed {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// setAllowedLocked applies an allowed_updates parameter: an empty list
// restores the default.
func (s *Server) setAllowedLocked(list []string) {
	if len(list) == 0 {
		s.allowed = nil
		return
	}
	s.allowed = map[string]bool{}
	for _, k := range list {
		s.allowed[strings.TrimSpace(k)] = true
	}
}
