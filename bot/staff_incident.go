package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// IncidentStore is what the incident buttons read besides the workflow.
type IncidentStore interface {
	// FindIncident returns an incident by id, or not found.
	FindIncident(ctx context.Context, id int64) (*workflow.Incident, error)
	// FindJoinTarget returns what «Объединить» joins an appeal to: the
	// open incident of a similar appeal, or else the most similar appeal;
	// both 0 when there is none.
	FindJoinTarget(ctx context.Context, appealID int64) (appeal, incident int64, err error)
}

// Dialog kinds of the incident prompts.
const (
	dialogIncidentTitle  = "inc_title"  // the title of an incident being made, then its term
	dialogIncidentDraft  = "inc_draft"  // the answer of an incident
	dialogIncidentReturn = "inc_return" // why an incident's answer is returned
)

// incidentData is a staff dialog of an incident prompt.
type incidentData struct {
	// Appeals are the appeals an incident being made gathers: the one
	// whose card was pressed (with the version seen) first.
	Appeals    []workflow.AppealRef `json:"appeals,omitempty"`
	Title      string               `json:"title,omitempty"`
	IncidentID int64                `json:"incident_id,omitempty"`
	Version    int                  `json:"version,omitempty"`
	// PromptRow is the outbox row of the prompt (see Bot.sentAs).
	PromptRow int64 `json:"prompt_row"`
	// Photos, Text and Album keep an answer's photos sent before its
	// text, or an album sent with «Отправить проект».
	Photos []workflow.Attachment `json:"photos,omitempty"`
	Text   string                `json:"text,omitempty"`
	Album  string                `json:"album,omitempty"`
}

// incidentHandlers are the handlers of the incident buttons, by endpoint.
func (b *Bot) incidentHandlers(h map[string]tele.HandlerFunc) {
	h["\f"+render.UniqueIncidentMake] = b.onIncidentMake
	h["\f"+render.UniqueIncidentJoin] = b.onIncidentJoin
	h["\f"+render.UniqueIncidentLeave] = b.onIncidentLeave
	h["\f"+render.UniqueIncidentNewTerm] = b.onIncidentNewTerm
	h["\f"+render.UniqueIncidentDraft] = b.onIncidentPress(workflow.IncidentDraft)
	h["\f"+render.UniqueIncidentTerm] = b.onIncidentPress(workflow.IncidentTerm)
	h["\f"+render.UniqueIncidentApprove] = b.onIncidentPress(workflow.IncidentApprove)
	h["\f"+render.UniqueIncidentReturn] = b.onIncidentPress(workflow.IncidentReturn)
	h["\f"+render.UniqueIncidentSetTerm] = b.onIncidentSetTerm
	h["\f"+render.UniqueIncidentDraftSend] = b.onIncidentDraftSend
}

// onIncidentMake asks for the title of an incident made from the pressed
// card's appeal: "<appeal id>|<version>".
func (b *Bot) onIncidentMake(c tele.Context) error {
	ctx := contextOf(c)
	id, version, ok := appealArgs(c.Args())
	if !ok {
		return respond(c, render.TextInvalid)
	}
	a, err := b.check(ctx, c.Sender().ID, workflow.EventJoinIncident, id, version)
	if err != nil {
		return respond(c, b.pressAnswer(ctx, id, workflow.EventJoinIncident, err))
	}
	text := fmt.Sprintf(render.TextPromptIncidentTitle, mention(c.Sender()), a.Number())
	return b.incidentPrompt(c, dialogIncidentTitle, text, incidentData{Appeals: []workflow.AppealRef{{ID: id, Version: version}}})
}

// onIncidentJoin joins the pressed card's appeal to the incident of a
// similar appeal, or asks for the title of an incident made of both when
// the similar appeal has none: "<appeal id>|<version>".
func (b *Bot) onIncidentJoin(c tele.Context) error {
	ctx := contextOf(c)
	id, version, ok := appealArgs(c.Args())
	if !ok {
		return respond(c, render.TextInvalid)
	}
	a, err := b.check(ctx, c.Sender().ID, workflow.EventJoinIncident, id, version)
	if err != nil {
		return respond(c, b.pressAnswer(ctx, id, workflow.EventJoinIncident, err))
	}
	other, incident, err := b.opts.Store.FindJoinTarget(ctx, id)
	if err != nil {
		return err
	}
	ref := workflow.AppealRef{ID: id, Version: version}
	switch {
	case incident != 0:
		if _, err := b.opts.Service.JoinIncident(ctx, workflow.Staff(c.Sender().ID), incident, ref); err != nil {
			return respond(c, b.pressAnswer(ctx, id, workflow.EventJoinIncident, err))
		}
		return respond(c, render.TextDone)
	case other == 0:
		return respond(c, render.TextIncidentNoSimilar)
	}
	o, err := b.opts.Store.FindAppeal(ctx, other)
	if err != nil {
		return err
	}
	text := fmt.Sprintf(render.TextPromptIncidentJoin, mention(c.Sender()), a.Number(), o.Number())
	return b.incidentPrompt(c, dialogIncidentTitle, text, incidentData{Appeals: []workflow.AppealRef{ref, {ID: other}}})
}

// onIncidentLeave detaches the pressed card's appeal from its incident:
// "<appeal id>|<version>".
func (b *Bot) onIncidentLeave(c tele.Context) error {
	ctx := contextOf(c)
	id, version, ok := appealArgs(c.Args())
	if !ok {
		return respond(c, render.TextInvalid)
	}
	_, err := b.opts.Service.LeaveIncident(ctx, workflow.Staff(c.Sender().ID), workflow.AppealRef{ID: id, Version: version})
	if err != nil {
		return respond(c, b.pressAnswer(ctx, id, workflow.EventLeaveIncident, err))
	}
	return respond(c, render.TextDone)
}

// incidentPrompt sends a force-reply prompt and remembers what the reply
// is for.
func (b *Bot) incidentPrompt(c tele.Context, kind, text string, data incidentData) error {
	row, err := b.sendPrompt(c, text)
	if err != nil {
		return err
	}
	data.PromptRow = row
	if err := b.saveDialog(contextOf(c), c, kind, "reply", data); err != nil {
		return err
	}
	return respond(c, "")
}

// incidentReply handles a reply to an incident prompt of the sender's
// dialog d in this chat.
func (b *Bot) incidentReply(c tele.Context, d *tgstate.Dialog) error {
	ctx := contextOf(c)
	m := c.Message()
	var data incidentData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return fmt.Errorf("decode dialog: %w", err)
	}
	if ok, err := b.sentAs(ctx, data.PromptRow, m.ReplyTo.ID); err != nil || !ok {
		return err
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	actor := workflow.Staff(c.Sender().ID)
	switch d.Kind {
	case dialogIncidentTitle:
		if d.State != "reply" {
			return nil
		}
		if text == "" {
			return reply(c, render.TextIncidentTitleEmpty)
		}
		data.Title = text
		if err := b.saveDialog(ctx, c, d.Kind, "term", data); err != nil {
			return err
		}
		first := data.Appeals[0]
		rows := append(b.termButtons(render.UniqueIncidentNewTerm, first.ID, first.Version),
			[]tele.InlineButton{{Unique: uniqueMenuExit, Text: render.LabelCancel}})
		return reply(c, fmt.Sprintf(render.TextChooseIncidentTerm, text), &tele.ReplyMarkup{InlineKeyboard: rows})
	case dialogIncidentDraft:
		photos := data.Photos
		if m.Photo != nil {
			photos = append(photos, workflow.Attachment{Kind: "photo", FileID: m.Photo.FileID, FileUniqueID: m.Photo.UniqueID})
		}
		if m.AlbumID != "" {
			return b.incidentAlbumPart(c, data, text, photos)
		}
		if text == "" {
			if m.Photo != nil {
				data.Photos = photos
				if err := b.saveDialog(ctx, c, d.Kind, d.State, data); err != nil {
					return err
				}
				return reply(c, render.TextPhotoKept)
			}
			return reply(c, render.TextIncidentDraftEmpty)
		}
		return b.submitIncidentDraft(c, data.IncidentID, text, photos)
	case dialogIncidentReturn:
		if text == "" {
			return reply(c, render.TextStaffReplyEmpty)
		}
		_, err := b.opts.Service.ReturnIncidentDraft(ctx, actor, data.IncidentID, data.Version, text)
		return b.incidentDone(c, err, func() string { return "" })
	}
	return nil
}

// submitIncidentDraft submits the answer of an incident with its photos
// and ends the sender's dialog.
func (b *Bot) submitIncidentDraft(c tele.Context, id int64, text string, photos []workflow.Attachment) error {
	inc, err := b.opts.Service.SubmitIncidentDraft(contextOf(c), workflow.Staff(c.Sender().ID), id, text, photos)
	return b.incidentDone(c, err, func() string { return fmt.Sprintf(render.TextIncidentDraftSent, inc.Title) })
}

// incidentAlbumPart keeps a photo of an album sent as an incident's
// answer: an album arrives as one message per photo, the caption on one
// of them, so the answer waits for «Отправить проект» under the bot's
// reply to the first (as an appeal's draft does).
func (b *Bot) incidentAlbumPart(c tele.Context, data incidentData, text string, photos []workflow.Attachment) error {
	m := c.Message()
	first := data.Album != m.AlbumID
	data.Photos, data.Album = photos, m.AlbumID
	if text != "" {
		data.Text = text
	}
	if err := b.saveDialog(contextOf(c), c, dialogIncidentDraft, "reply", data); err != nil {
		return err
	}
	if !first {
		return nil
	}
	mk := &tele.ReplyMarkup{}
	mk.Inline(mk.Row(mk.Data(render.BtnDraftSend, render.UniqueIncidentDraftSend, strconv.FormatInt(data.IncidentID, 10))))
	return reply(c, render.TextDraftAlbumKept, mk)
}

// onIncidentDraftSend sends an incident's answer collected from an album:
// "<incident id>", pressed by the one who wrote it.
func (b *Bot) onIncidentDraftSend(c tele.Context) error {
	d, data, err := dialogOfKind[incidentData](b, c, dialogIncidentDraft)
	if err != nil {
		return err
	}
	if d == nil || strconv.FormatInt(data.IncidentID, 10) != c.Callback().Data {
		return respond(c, render.TextDraftNothing)
	}
	if data.Text == "" {
		return respond(c, render.TextDraftNeedsText)
	}
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.submitIncidentDraft(c, data.IncidentID, data.Text, data.Photos)
}

// incidentDone ends the sender's dialog after its reply was used, and
// says what became of it: done() when it worked, the error's answer when
// not.
func (b *Bot) incidentDone(c tele.Context, err error, done func() string) error {
	ctx := contextOf(c)
	if workflow.ErrorCode(err) == workflow.EInternal {
		return err
	}
	if derr := b.opts.Store.DeleteDialog(ctx, c.Sender().ID, c.Chat().ID); derr != nil {
		return derr
	}
	if err != nil {
		return reply(c, b.answer(ctx, err))
	}
	if text := done(); text != "" {
		return reply(c, text)
	}
	return nil
}

// termButtons offers the expected times of an incident, for unique with
// data "<id>|<version>|<choice>".
func (b *Bot) termButtons(unique string, id int64, version int) [][]tele.InlineButton {
	var rows [][]tele.InlineButton
	var row []tele.InlineButton
	for _, choice := range workflow.TermChoices(b.now(), b.opts.Location) {
		row = append(row, tele.InlineButton{Unique: unique, Text: render.TermLabel(choice), Data: fmt.Sprintf("%d|%d|%s", id, version, choice)})
		if len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// termArgs parses "<id>|<version>|<choice>".
func (b *Bot) termArgs(c tele.Context) (int64, int, bool) {
	args := c.Args()
	id, version, ok := appealArgs(args)
	if !ok || len(args) != 3 || !slices.Contains([]string{workflow.TermNone, workflow.TermToday, workflow.TermTomorrow, workflow.TermIn3Days}, args[2]) {
		return 0, 0, false
	}
	return id, version, true
}

// onIncidentNewTerm makes the incident of the presser's dialog with the
// chosen term: "<appeal id>|<version>|<choice>" under the term menu.
func (b *Bot) onIncidentNewTerm(c tele.Context) error {
	ctx := contextOf(c)
	id, _, ok := b.termArgs(c)
	if !ok {
		return respond(c, render.TextInvalid)
	}
	d, data, err := dialogOfKind[incidentData](b, c, dialogIncidentTitle)
	if err != nil {
		return err
	}
	if d == nil || d.State != "term" || len(data.Appeals) == 0 || data.Appeals[0].ID != id {
		return respond(c, render.TextStale)
	}
	expected, err := workflow.TermAt(c.Args()[2], b.now(), b.opts.Location)
	if err != nil {
		return respond(c, render.TextInvalid)
	}
	inc, err := b.opts.Service.MakeIncident(ctx, workflow.Staff(c.Sender().ID), data.Title, expected, data.Appeals)
	if workflow.ErrorCode(err) == workflow.EInternal {
		return err
	}
	if derr := b.opts.Store.DeleteDialog(ctx, c.Sender().ID, c.Chat().ID); derr != nil {
		return derr
	}
	if err := c.Delete(); err != nil {
		b.logger.WarnContext(ctx, "unable to delete a menu", "error", err)
	}
	if err != nil {
		return respond(c, b.pressAnswer(ctx, id, workflow.EventJoinIncident, err))
	}
	b.logger.InfoContext(ctx, "incident made from a card", "incident_id", inc.ID)
	return respond(c, render.TextDone)
}

// incidentArgs parses "<incident id>|<version>" at the start of
// callback data.
func incidentArgs(args []string) (int64, int, bool) { return appealArgs(args) }

// onIncidentPress handles a button of an incident's card: approve at
// once; draft and return ask for a text (the prompt is HTML: the title is
// escaped); term opens its menu. The presser's right is checked at the
// press.
func (b *Bot) onIncidentPress(act workflow.IncidentAction) tele.HandlerFunc {
	return func(c tele.Context) error {
		ctx := contextOf(c)
		id, version, ok := incidentArgs(c.Args())
		if !ok {
			return respond(c, render.TextInvalid)
		}
		actor := workflow.Staff(c.Sender().ID)
		if act == workflow.IncidentApprove {
			_, n, err := b.opts.Service.ApproveIncident(ctx, actor, id, version)
			if err != nil {
				return respond(c, b.incidentAnswer(ctx, err))
			}
			return respond(c, fmt.Sprintf(render.TextIncidentApproved, n))
		}
		inc, err := b.opts.Service.CheckIncident(ctx, actor, id, version, act)
		if err != nil {
			return respond(c, b.incidentAnswer(ctx, err))
		}
		who := mention(c.Sender())
		switch act {
		case workflow.IncidentDraft:
			return b.incidentPrompt(c, dialogIncidentDraft, fmt.Sprintf(render.TextPromptIncidentDraft, who, html.EscapeString(inc.Title)),
				incidentData{IncidentID: id, Version: version})
		case workflow.IncidentReturn:
			return b.incidentPrompt(c, dialogIncidentReturn, fmt.Sprintf(render.TextPromptIncidentRet, who, html.EscapeString(inc.Title)),
				incidentData{IncidentID: id, Version: version})
		case workflow.IncidentTerm:
			return b.openMenu(c, fmt.Sprintf(render.TextChooseIncidentTerm, inc.Title), b.termButtons(render.UniqueIncidentSetTerm, id, version))
		}
		return respond(c, render.TextInvalid)
	}
}

// onIncidentSetTerm changes an incident's expected time:
// "<incident id>|<version>|<choice>".
func (b *Bot) onIncidentSetTerm(c tele.Context) error {
	ctx := contextOf(c)
	id, version, ok := b.termArgs(c)
	if !ok {
		return respond(c, render.TextInvalid)
	}
	expected, err := workflow.TermAt(c.Args()[2], b.now(), b.opts.Location)
	if err != nil {
		return respond(c, render.TextInvalid)
	}
	if _, err := b.opts.Service.SetIncidentTerm(ctx, workflow.Staff(c.Sender().ID), id, version, expected); err != nil {
		return respond(c, b.incidentAnswer(ctx, err))
	}
	if err := c.Delete(); err != nil {
		b.logger.WarnContext(ctx, "unable to delete a menu", "error", err)
	}
	return respond(c, render.TextDone)
}

// incidentAnswer is the answer to a press on an incident's card that
// failed: a stale card says so.
func (b *Bot) incidentAnswer(ctx context.Context, err error) string {
	if workflow.ErrorCode(err) == workflow.EConflict {
		return render.TextIncidentGone
	}
	return b.answer(ctx, err)
}
