package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// promptKinds are the dialog kinds of events whose input is written as a
// reply to the bot's prompt.
var promptKinds = map[workflow.Event]string{
	workflow.EventAskResident: "ask",
	workflow.EventSubmitDraft: "draft",
	workflow.EventReturn:      "return",
	workflow.EventExtend:      "extend",
	workflow.EventRedirect:    "redirect",
}

// promptData is a staff dialog waiting for a reply to the bot's prompt.
type promptData struct {
	AppealID int64  `json:"appeal_id"`
	Number   string `json:"number"`
	// PromptRow is the outbox row of the prompt (see Bot.sentAs).
	PromptRow int64                 `json:"prompt_row"`
	Photos    []workflow.Attachment `json:"photos,omitempty"`
	// Text and Album keep a draft sent as an album, which arrives as one
	// message per photo and is sent with «Отправить проект».
	Text  string `json:"text,omitempty"`
	Album string `json:"album,omitempty"`
	// Days is how long an extension is for.
	Days int `json:"days,omitempty"`
}

// prompt asks the presser for the text of ev with a force reply to the
// card (or the menu), and remembers what the reply is for.
func (b *Bot) prompt(c tele.Context, ev workflow.Event, a *workflow.Appeal) error {
	return b.promptFor(c, ev, a, 0)
}

// promptFor is prompt with the days of an extension.
func (b *Bot) promptFor(c tele.Context, ev workflow.Event, a *workflow.Appeal, extendBy int) error {
	ctx := contextOf(c)
	who, num := mention(c.Sender()), a.Number()
	var text string
	switch ev {
	case workflow.EventAskResident:
		text = fmt.Sprintf(render.TextPromptAsk, who, num)
	case workflow.EventSubmitDraft:
		text = fmt.Sprintf(render.TextPromptDraft, who, num)
	case workflow.EventReturn:
		text = fmt.Sprintf(render.TextPromptReturn, who, num)
	case workflow.EventExtend:
		if extendBy == 0 {
			extendBy = workflow.MaxExtensionDays
		}
		text = fmt.Sprintf(render.TextPromptExtend, who, num, render.Days(extendBy))
	case workflow.EventRedirect:
		text = fmt.Sprintf(render.TextPromptRedirect, who, num)
	default:
		return respond(c, render.TextInvalid)
	}
	row, err := b.sendPrompt(c, text)
	if err != nil {
		return err
	}
	if err := b.saveDialog(ctx, c, promptKinds[ev], "reply", promptData{AppealID: a.ID, Number: num, PromptRow: row, Days: extendBy}); err != nil {
		return err
	}
	return respond(c, "")
}

// sendPrompt sends a force-reply prompt (HTML, mentioning the user) in
// the chat of the update: in reply to the pressed message, or to the
// user's own message. It returns the prompt's outbox row.
func (b *Bot) sendPrompt(c tele.Context, text string) (int64, error) {
	to := c.Message()
	if c.Callback() != nil {
		to = c.Callback().Message
	}
	return b.sendTracked(c, c.Chat(), text, &tele.SendOptions{
		ReplyTo: to, AllowWithoutReply: true, ThreadID: threadOf(to), ParseMode: tele.ModeHTML,
		ReplyMarkup: &tele.ReplyMarkup{ForceReply: true, Selective: true},
	})
}

// saveDialog stores the sender's dialog in this chat.
func (b *Bot) saveDialog(ctx context.Context, c tele.Context, kind, state string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode dialog: %w", err)
	}
	return b.opts.Store.SaveDialog(ctx, &tgstate.Dialog{
		UserID: c.Sender().ID, ChatID: c.Chat().ID, Kind: kind, State: state, Data: raw,
	})
}

// onStaffReply handles a message in a group that replies to the bot: the
// answer to a prompt of the sender's dialog in this chat. Other replies
// (staff talking about a card) are left alone.
func (b *Bot) onStaffReply(c tele.Context) error {
	m := c.Message()
	if c.Chat().Type == tele.ChatPrivate && m != nil {
		return b.onAnnounceInput(c) // staff_announce.go
	}
	if m == nil || m.ReplyTo == nil {
		return nil
	}
	ctx := contextOf(c)
	d, err := b.opts.Store.FindDialog(ctx, c.Sender().ID, c.Chat().ID)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Kind == registerKind {
		return b.registerReply(c, d)
	}
	if d.Kind == dialogAnnounceReturn {
		return b.announceReturnReply(c, d)
	}
	switch d.Kind {
	case dialogIncidentTitle, dialogIncidentDraft, dialogIncidentReturn:
		return b.incidentReply(c, d) // staff_incident.go
	}
	var data promptData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return fmt.Errorf("decode dialog: %w", err)
	}
	if ok, err := b.sentAs(ctx, data.PromptRow, m.ReplyTo.ID); err != nil || !ok {
		return err
	}
	return b.promptReply(c, d.Kind, data)
}

// promptReply fires the event a prompt asked the text for.
func (b *Bot) promptReply(c tele.Context, kind string, data promptData) error {
	ctx := contextOf(c)
	m := c.Message()
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	photos := data.Photos
	if m.Photo != nil {
		photos = append(photos, workflow.Attachment{Kind: "photo", FileID: m.Photo.FileID, FileUniqueID: m.Photo.UniqueID})
	}
	if kind == "draft" && m.AlbumID != "" {
		return b.draftAlbumPart(c, data, text, photos)
	}
	if text == "" {
		if kind == "draft" && m.Photo != nil {
			data.Photos = photos
			if err := b.saveDialog(ctx, c, kind, "reply", data); err != nil {
				return err
			}
			return reply(c, render.TextPhotoKept)
		}
		return reply(c, render.TextStaffReplyEmpty)
	}
	return b.firePrompt(c, kind, data, text, photos)
}

// firePrompt fires the event of a prompt with the text (and photos) it
// got, ends the dialog and says what was done.
func (b *Bot) firePrompt(c tele.Context, kind string, data promptData, text string, photos []workflow.Attachment) error {
	ctx := contextOf(c)
	cmd := workflow.Command{AppealID: data.AppealID, Actor: workflow.Staff(c.Sender().ID)}
	var done string
	switch kind {
	case "ask":
		cmd.Event, cmd.Input.Text, done = workflow.EventAskResident, text, render.TextAskSent
	case "draft":
		cmd.Event, cmd.Input.Text, cmd.Input.Attachments, done = workflow.EventSubmitDraft, text, photos, render.TextDraftSent
	case "return":
		cmd.Event, cmd.Input.Reason = workflow.EventReturn, text
	case "extend":
		cmd.Event, cmd.Input.Reason, cmd.Input.Days = workflow.EventExtend, text, cmp.Or(data.Days, workflow.MaxExtensionDays)
	case "redirect":
		cmd.Event, cmd.Input.Authority, done = workflow.EventRedirect, text, fmt.Sprintf(render.TextRedirectSent, text)
	default:
		return nil
	}
	a, err := b.opts.Service.Apply(ctx, cmd)
	if workflow.ErrorCode(err) == workflow.EInternal {
		return err
	}
	if derr := b.opts.Store.DeleteDialog(ctx, c.Sender().ID, c.Chat().ID); derr != nil {
		return derr
	}
	if err != nil {
		return reply(c, b.pressAnswer(ctx, data.AppealID, cmd.Event, err))
	}
	if kind == "extend" {
		sent := render.TextExtendSent
		if a.ResidentID == 0 {
			sent = render.TextExtendSentWritten // nobody the bot could tell
		}
		done = fmt.Sprintf(sent, render.FormatDate(a.DueAt, b.opts.Location))
	}
	if done == "" {
		return nil // the chat is told by the workflow (return)
	}
	return reply(c, fmt.Sprintf(render.TextSent, data.Number, done))
}

// draftAlbumPart keeps a photo of an album sent as the draft. An album
// arrives as one message per photo with the caption on one of them, so the
// draft waits for «Отправить проект» under the bot's answer to the first.
func (b *Bot) draftAlbumPart(c tele.Context, data promptData, text string, photos []workflow.Attachment) error {
	m := c.Message()
	first := data.Album != m.AlbumID
	data.Photos, data.Album = photos, m.AlbumID
	if text != "" {
		data.Text = text
	}
	if err := b.saveDialog(contextOf(c), c, "draft", "reply", data); err != nil {
		return err
	}
	if !first {
		return nil
	}
	mk := &tele.ReplyMarkup{}
	mk.Inline(mk.Row(mk.Data(render.BtnDraftSend, uniqueDraftSend, strconv.FormatInt(data.AppealID, 10))))
	return reply(c, render.TextDraftAlbumKept, mk)
}

// onDraftSend sends a draft collected from an album: "\fdraft_send|<appeal
// id>", pressed by the one who wrote it.
func (b *Bot) onDraftSend(c tele.Context) error {
	ctx := contextOf(c)
	d, err := b.opts.Store.FindDialog(ctx, c.Sender().ID, c.Chat().ID)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return respond(c, render.TextDraftNothing)
	}
	if err != nil {
		return err
	}
	var data promptData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return fmt.Errorf("decode dialog: %w", err)
	}
	if d.Kind != "draft" || strconv.FormatInt(data.AppealID, 10) != c.Callback().Data {
		return respond(c, render.TextDraftNothing)
	}
	if data.Text == "" {
		return respond(c, render.TextDraftNeedsText)
	}
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.firePrompt(c, d.Kind, data, data.Text, data.Photos)
}
