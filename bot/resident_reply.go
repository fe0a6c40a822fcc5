package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// A staff question reaches the resident with «Ответить»; pressing it opens
// a reply dialog with a force-reply prompt. A text sends the reply at
// once (with any photos sent before it); photos are collected, the first
// of each album acknowledged with «Отправить ответ». Sending fires
// resident_replied with the text and photos, in one transaction with the
// end of the dialog. An intake dialog in progress is put aside in the
// reply's data and comes back afterwards, so nothing typed is lost.

// replyData is the reply being written.
type replyData struct {
	AppealID int64                 `json:"appeal_id"`
	Number   string                `json:"number"`
	Text     string                `json:"text,omitempty"`
	Photos   []workflow.Attachment `json:"photos,omitempty"`
	Album    string                `json:"album,omitempty"`
	// Saved is the intake dialog put aside, restored when this one ends.
	Saved *tgstate.Dialog `json:"saved,omitempty"`
}

// onAnswerButton opens the reply to a question: "\fr_ans|<appeal id>".
func (b *Bot) onAnswerButton(c tele.Context, r *workflow.ResidentProfile) error {
	a, ok, err := b.ownAppeal(c, c.Callback().Data)
	if !ok {
		return b.stale(c, err)
	}
	if a.State != workflow.StateClarification {
		return respond(c, render.TextReplyNotNeeded)
	}
	if _, err := b.openReply(c, a); err != nil {
		return b.fail(c, err)
	}
	if err := respond(c, ""); err != nil {
		return err
	}
	return c.Send(fmt.Sprintf(render.TextReplyPrompt, a.Number()),
		&tele.ReplyMarkup{ForceReply: true, Placeholder: render.TextReplyPlaceholder})
}

// openReply starts the reply dialog for a, putting an intake aside.
func (b *Bot) openReply(c tele.Context, a *workflow.Appeal) (*tgstate.Dialog, error) {
	ctx := contextOf(c)
	saved, err := b.putAside(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := b.saveAside(c, dialogReply, replyData{AppealID: a.ID, Number: a.Number(), Saved: saved}); err != nil {
		return nil, err
	}
	return b.findDialog(ctx, c)
}

// numberRx finds a registration number in a message of the bot.
var numberRx = regexp.MustCompile(`№ (\d{4}-\d{6})`)

// quotedQuestion returns the reply dialog for a message that answers a
// staff question with Telegram's own «Reply» (without pressing
// «Ответить»): the quoted bot message names an appeal of the sender that
// waits for clarification. d is the dialog in progress; nil when the
// message is not such an answer.
func (b *Bot) quotedQuestion(c tele.Context, d *tgstate.Dialog) (*tgstate.Dialog, error) {
	q := c.Message().ReplyTo
	if q == nil || q.Sender == nil || q.Sender.ID != b.tg.Me.ID {
		return nil, nil
	}
	m := numberRx.FindStringSubmatch(q.Text)
	if m == nil {
		return nil, nil
	}
	a, err := b.opts.Store.FindAppealByNumber(contextOf(c), m[1])
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return nil, nil
	}
	if err != nil || a.ResidentUserID != c.Sender().ID || a.State != workflow.StateClarification {
		return nil, err
	}
	if d != nil && d.Kind == dialogReply {
		if data, err := decodeReply(d); err == nil && data.AppealID == a.ID {
			return d, nil
		}
	}
	return b.openReply(c, a)
}

// putAside returns the intake dialog to keep while another dialog runs:
// the current one if it is an intake, or the one the current reply or
// comment keeps.
func (b *Bot) putAside(ctx context.Context, c tele.Context) (*tgstate.Dialog, error) {
	d, err := b.findDialog(ctx, c)
	if err != nil || d == nil {
		return nil, err
	}
	switch d.Kind {
	case dialogIntake:
		return d, nil
	case dialogReply, dialogComment:
		var held struct {
			Saved *tgstate.Dialog `json:"saved"`
		}
		if err := json.Unmarshal(d.Data, &held); err != nil {
			return nil, fmt.Errorf("decode %s dialog: %w", d.Kind, err)
		}
		return held.Saved, nil
	}
	return nil, nil
}

// saveAside stores a reply or comment dialog.
func (b *Bot) saveAside(c tele.Context, kind string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s dialog: %w", kind, err)
	}
	return b.opts.Store.SaveDialog(contextOf(c), &tgstate.Dialog{
		UserID: c.Sender().ID, ChatID: c.Chat().ID, Kind: kind, State: "text", Data: raw,
	})
}

// dropAside ends a reply or comment dialog, bringing back the intake it
// put aside; it reports whether there was one.
func (b *Bot) dropAside(ctx context.Context, d *tgstate.Dialog) (bool, error) {
	var held struct {
		Saved *tgstate.Dialog `json:"saved"`
	}
	if err := json.Unmarshal(d.Data, &held); err != nil {
		return false, fmt.Errorf("decode %s dialog: %w", d.Kind, err)
	}
	if err := b.opts.Store.FinishDialog(ctx, d, held.Saved, nil); err != nil {
		return false, err
	}
	return held.Saved != nil, nil
}

func decodeReply(d *tgstate.Dialog) (*replyData, error) {
	var data replyData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return nil, fmt.Errorf("decode reply dialog: %w", err)
	}
	return &data, nil
}

// replyText sends the reply with this text.
func (b *Bot) replyText(c tele.Context, d *tgstate.Dialog) error {
	data, err := decodeReply(d)
	if err != nil {
		return b.fail(c, err)
	}
	text := joinText(data.Text, c.Text())
	if text == "" {
		return c.Send(render.TextStaffReplyEmpty)
	}
	if runeCount(text) > workflow.MaxTextRunes {
		return c.Send(render.TextIntakeTooLong)
	}
	data.Text = text
	return b.sendReply(c, d, data)
}

// replyPhoto collects a photo of the reply.
func (b *Bot) replyPhoto(c tele.Context, d *tgstate.Dialog) error {
	data, err := decodeReply(d)
	if err != nil {
		return b.fail(c, err)
	}
	m := c.Message()
	sameAlbum := m.AlbumID != "" && m.AlbumID == data.Album
	if len(data.Photos) < maxPhotos {
		data.Photos = append(data.Photos, workflow.Attachment{Kind: "photo", FileID: m.Photo.FileID, FileUniqueID: m.Photo.UniqueID})
	}
	data.Text = joinText(data.Text, m.Caption)
	data.Album = m.AlbumID
	if err := b.saveAside(c, dialogReply, data); err != nil {
		return b.fail(c, err)
	}
	if sameAlbum {
		return nil
	}
	mk := &tele.ReplyMarkup{}
	mk.Inline(mk.Row(mk.Data(render.BtnSendReply, "r_rsend", strconv.FormatInt(data.AppealID, 10))))
	return c.Send(render.TextReplyPhotoSaved, mk)
}

// onReplySend sends a reply of photos: "\fr_rsend|<appeal id>".
func (b *Bot) onReplySend(c tele.Context, r *workflow.ResidentProfile) error {
	d, err := b.findDialog(contextOf(c), c)
	if err != nil || d == nil || d.Kind != dialogReply {
		return b.stale(c, err)
	}
	data, err := decodeReply(d)
	if err != nil {
		return b.fail(c, err)
	}
	if strconv.FormatInt(data.AppealID, 10) != c.Callback().Data {
		return respond(c, render.TextStale)
	}
	if data.Text == "" && len(data.Photos) == 0 {
		return respond(c, render.TextStaffReplyEmpty)
	}
	b.dropButtons(c)
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.sendReply(c, d, data)
}

// sendReply fires resident_replied and ends the dialog, in one
// transaction.
func (b *Bot) sendReply(c tele.Context, d *tgstate.Dialog, data *replyData) error {
	// The question may be no longer open: the reply has nowhere to go.
	return b.finishWith(c, d, data.Saved, workflow.Command{
		AppealID: data.AppealID, Event: workflow.EventResidentReplied, Actor: workflow.Resident(c.Sender().ID),
		Input: workflow.Input{Text: data.Text, Attachments: data.Photos},
	}, render.TextReplyNotNeeded, fmt.Sprintf(render.TextReplySent, data.Number))
}

// finishWith fires cmd and ends the resident's dialog d in one
// transaction, bringing back saved (an intake put aside), then tells the
// resident done. When the appeal no longer takes cmd (answered, closed,
// withdrawn meanwhile), the dialog is dropped and the resident told gone.
func (b *Bot) finishWith(c tele.Context, d, saved *tgstate.Dialog, cmd workflow.Command, gone, done string) error {
	ctx := contextOf(c)
	err := b.opts.Store.FinishDialog(ctx, d, saved, func(ctx context.Context, tx workflow.Tx) error {
		_, err := b.opts.Service.ApplyIn(ctx, tx, cmd)
		return err
	})
	switch workflow.ErrorCode(err) {
	case "":
	case workflow.EInvalid, workflow.ENotFound:
		if _, err := b.dropAside(ctx, d); err != nil {
			return b.fail(c, err)
		}
		return c.Send(gone, mainMenu())
	default:
		return b.fail(c, err)
	}
	b.logger.InfoContext(ctx, "resident's dialog finished", "appeal_id", cmd.AppealID, "event", cmd.Event,
		"photos", len(cmd.Input.Attachments), "solved", cmd.Input.Solved)
	if saved != nil {
		done += " " + render.TextIntakeResume
	}
	return c.Send(done, mainMenu())
}
