package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// registerKind is the dialog kind of /register; uniqueRegister its
// callback: "<step>|<value>".
const (
	registerKind   = "register"
	uniqueRegister = "reg"
)

// Steps of /register.
const (
	regKind      = "kind"
	regSource    = "source"
	regText      = "text"
	regName      = "name"
	regContact   = "contact"
	regReceived  = "received"
	regDirection = "direction"
	regNone      = "none" // «Не знаю» as a direction
)

// registerData is the state of a /register dialog.
type registerData struct {
	Kind    workflow.Kind   `json:"kind,omitempty"`
	Source  workflow.Source `json:"source,omitempty"`
	Text    string          `json:"text,omitempty"`
	Name    string          `json:"name,omitempty"`
	Contact string          `json:"contact,omitempty"`
	// Received is the date the appeal was received (YYYY-MM-DD), when
	// before the day it is registered.
	Received string `json:"received,omitempty"`
	// MenuRow and PromptRow are the outbox rows (see Bot.sentAs) of the
	// message with the step's buttons and of the prompt a text step waits
	// a reply to.
	MenuRow   int64 `json:"menu_row,omitempty"`
	PromptRow int64 `json:"prompt_row,omitempty"`
}

// onRegister starts registering an appeal that came by another channel:
// in the triage chat, by an operator or an admin.
func (b *Bot) onRegister(c tele.Context) error {
	ctx := contextOf(c)
	role, err := b.roleOf(ctx, c.Sender().ID, workflow.RoleOperator, workflow.RoleAdmin)
	if err != nil {
		return err
	}
	if role == "" {
		return reply(c, render.TextForbidden)
	}
	bnd, err := b.opts.Store.FindBinding(ctx, c.Chat().ID, threadOf(c.Message()))
	if err != nil && workflow.ErrorCode(err) != workflow.ENotFound {
		return err
	}
	if bnd.Purpose != workflow.BindTriage {
		return reply(c, render.TextRegisterTriageOnly)
	}
	var rows [][]tele.InlineButton
	for _, k := range render.KindChoices() {
		rows = append(rows, []tele.InlineButton{{Unique: uniqueRegister, Text: render.KindName(k), Data: regKind + "|" + string(k)}})
	}
	rows = append(rows, []tele.InlineButton{{Unique: uniqueMenuExit, Text: render.LabelCancel}})
	menu, err := b.sendTracked(c, c.Chat(), render.TextRegisterKind, &tele.SendOptions{
		ReplyTo: c.Message(), AllowWithoutReply: true, ThreadID: threadOf(c.Message()),
		ReplyMarkup: &tele.ReplyMarkup{InlineKeyboard: rows},
	})
	if err != nil {
		return err
	}
	return b.saveDialog(ctx, c, registerKind, regKind, registerData{MenuRow: menu})
}

// loadRegister returns the sender's /register dialog in this chat, if any.
func (b *Bot) loadRegister(c tele.Context) (*tgstate.Dialog, registerData, bool, error) {
	var data registerData
	d, err := b.opts.Store.FindDialog(contextOf(c), c.Sender().ID, c.Chat().ID)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return nil, data, false, nil
	}
	if err != nil {
		return nil, data, false, err
	}
	if d.Kind != registerKind {
		return d, data, false, nil
	}
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return nil, data, false, fmt.Errorf("decode dialog: %w", err)
	}
	return d, data, true, nil
}

// onRegisterPress takes a choice of /register: kind, source or direction.
// Only the operator who started it can press.
func (b *Bot) onRegisterPress(c tele.Context) error {
	ctx := contextOf(c)
	args := c.Args()
	if len(args) != 2 {
		return respond(c, render.TextInvalid)
	}
	d, data, ok, err := b.loadRegister(c)
	if err != nil {
		return err
	}
	if ok {
		if ok, err = b.sentAs(ctx, data.MenuRow, c.Callback().Message.ID); err != nil {
			return err
		}
	}
	if !ok || d.State != args[0] {
		return respond(c, render.TextNotYours)
	}
	step, value := args[0], args[1]
	switch step {
	case regKind:
		data.Kind = workflow.Kind(value)
		if !data.Kind.Valid() {
			return respond(c, render.TextInvalid)
		}
		var rows [][]tele.InlineButton
		for _, s := range render.SourceChoices() {
			rows = append(rows, []tele.InlineButton{{Unique: uniqueRegister, Text: capitalize(render.SourceName(s)), Data: regSource + "|" + string(s)}})
		}
		rows = append(rows, []tele.InlineButton{{Unique: uniqueMenuExit, Text: render.LabelCancel}})
		if err := c.Edit(render.TextRegisterSource, &tele.ReplyMarkup{InlineKeyboard: rows}); err != nil {
			return err
		}
		if err := b.saveDialog(ctx, c, registerKind, regSource, data); err != nil {
			return err
		}
	case regSource:
		data.Source = workflow.Source(value)
		if !data.Source.Valid() || data.Source == workflow.SourceBot {
			return respond(c, render.TextInvalid)
		}
		if err := c.Edit(fmt.Sprintf(render.TextRegisterSummary, render.KindName(data.Kind), render.SourceName(data.Source))); err != nil {
			return err
		}
		prompt, err := b.sendPrompt(c, fmt.Sprintf(render.TextRegisterText, mention(c.Sender())))
		if err != nil {
			return err
		}
		data.PromptRow = prompt
		if err := b.saveDialog(ctx, c, registerKind, regText, data); err != nil {
			return err
		}
	case regDirection:
		dir := value
		if dir == regNone {
			dir = ""
		}
		return b.submitRegistered(c, data, dir)
	default:
		return respond(c, render.TextInvalid)
	}
	return respond(c, "")
}

// registerReply takes a text step of /register: the text, the citizen's
// name, the contact; then offers the directions.
func (b *Bot) registerReply(c tele.Context, d *tgstate.Dialog) error {
	ctx := contextOf(c)
	var data registerData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return fmt.Errorf("decode dialog: %w", err)
	}
	m := c.Message()
	if ok, err := b.sentAs(ctx, data.PromptRow, m.ReplyTo.ID); err != nil || !ok {
		return err
	}
	text := strings.TrimSpace(m.Text)
	if text == "" {
		text = strings.TrimSpace(m.Caption)
	}
	if text == "" {
		return reply(c, render.TextStaffReplyEmpty)
	}
	if text == "-" && d.State != regText {
		text = ""
	}
	who := mention(c.Sender())
	var next, prompt string
	switch d.State {
	case regText:
		data.Text, next, prompt = text, regName, fmt.Sprintf(render.TextRegisterName, who)
	case regName:
		data.Name, next, prompt = text, regContact, fmt.Sprintf(render.TextRegisterContact, who)
	case regContact:
		data.Contact, next, prompt = text, regReceived, fmt.Sprintf(render.TextRegisterReceived, who)
	case regReceived:
		day, ok := parseReceived(text, b.now(), b.opts.Location)
		if !ok {
			return reply(c, render.TextRegisterBadDate)
		}
		data.Received = day
		return b.askRegisterDirection(c, data)
	default:
		return nil
	}
	row, err := b.sendPrompt(c, prompt)
	if err != nil {
		return err
	}
	data.PromptRow = row
	return b.saveDialog(ctx, c, registerKind, next, data)
}

// askRegisterDirection offers the directions, the last step of /register.
func (b *Bot) askRegisterDirection(c tele.Context, data registerData) error {
	ctx := contextOf(c)
	m := c.Message()
	list, err := b.opts.Store.FindDirections(ctx)
	if err != nil {
		return err
	}
	var rows [][]tele.InlineButton
	for _, dir := range list {
		rows = append(rows, []tele.InlineButton{{Unique: uniqueRegister, Text: dir.Name, Data: regDirection + "|" + dir.Code}})
	}
	rows = append(rows,
		[]tele.InlineButton{{Unique: uniqueRegister, Text: render.LabelUnknown, Data: regDirection + "|" + regNone}},
		[]tele.InlineButton{{Unique: uniqueMenuExit, Text: render.LabelCancel}})
	menu, err := b.sendTracked(c, c.Chat(), render.TextRegisterDirection, &tele.SendOptions{
		ReplyTo: m, AllowWithoutReply: true, ThreadID: threadOf(m),
		ReplyMarkup: &tele.ReplyMarkup{InlineKeyboard: rows},
	})
	if err != nil {
		return err
	}
	data.MenuRow, data.PromptRow = menu, 0
	return b.saveDialog(ctx, c, registerKind, regDirection, data)
}

// receivedLimit is how far back a date of receipt may go.
const receivedLimit = 366 * 24 * time.Hour

// parseReceived reads the date an appeal was received, as the operator
// writes it: 05.03.2026, 5.3.2026 or 05.03 (this year); "" (written «-»)
// is today. It returns the date as YYYY-MM-DD, "" for today, and false for
// what is no date, a date after today or one over a year back.
func parseReceived(s string, now time.Time, loc *time.Location) (string, bool) {
	today := now.In(loc)
	if s == "" {
		return "", true
	}
	var t time.Time
	var err error
	for _, layout := range []string{"02.01.2006", "2.1.2006", "02.01.06", "02.01", "2.1"} {
		if t, err = time.ParseInLocation(layout, s, loc); err == nil {
			if !strings.Contains(layout, "06") {
				t = time.Date(today.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
			}
			break
		}
	}
	if err != nil {
		return "", false
	}
	y, m, d := today.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	switch {
	case t.After(midnight), midnight.Sub(t) > receivedLimit:
		return "", false
	case t.Equal(midnight):
		return "", true
	}
	return t.Format(time.DateOnly), true
}

// submitRegistered registers the appeal through the workflow, as the
// operator, and records who registered it.
func (b *Bot) submitRegistered(c tele.Context, data registerData, direction string) error {
	ctx := contextOf(c)
	actor := c.Sender().ID
	n := workflow.NewAppeal{
		Kind: data.Kind, Source: data.Source, Direction: direction,
		Text: data.Text, ContactName: data.Name, Contact: data.Contact,
	}
	if data.Received != "" {
		received, err := time.ParseInLocation(time.DateOnly, data.Received, b.opts.Location)
		if err != nil {
			return fmt.Errorf("register: date of receipt %q: %w", data.Received, err)
		}
		n.ReceivedAt = received
	}
	a, err := b.opts.Service.Submit(ctx, workflow.Staff(actor), n)
	if err != nil {
		return respond(c, b.answer(ctx, err))
	}
	role, err := b.roleOf(ctx, actor, workflow.RoleOperator, workflow.RoleAdmin)
	if err != nil {
		return err
	}
	if err := b.opts.Store.RecordStaffAction(ctx, workflow.StaffAction{
		At: b.now(), ActorID: actor, Role: role, Action: workflow.ActionRegister,
		AppealID: a.ID, ChatID: c.Chat().ID, Details: string(data.Kind) + " " + string(data.Source),
	}); err != nil {
		return err
	}
	if err := b.opts.Store.DeleteDialog(ctx, actor, c.Chat().ID); err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "appeal registered by staff", "appeal_id", a.ID, "kind", a.Kind,
		"source", a.Source, "direction", a.Direction, "by", actor)
	if err := c.Edit(fmt.Sprintf(render.TextRegistered, a.Number(), render.KindName(a.Kind), render.FormatDue(a.DueAt, b.opts.Location))); err != nil {
		return err
	}
	return respond(c, render.TextDone)
}

// capitalize returns s with its first letter in upper case.
func capitalize(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}
