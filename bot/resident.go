package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/delivery"
	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// ResidentStore is what the resident's side of the bot reads and writes
// besides the workflow.
type ResidentStore interface {
	// FindResident returns the resident with a Telegram user id, or a
	// not-found error before consent.
	FindResident(ctx context.Context, userID int64) (*workflow.ResidentProfile, error)
	// UnblockResident records that the resident writes again from chatID.
	UnblockResident(ctx context.Context, userID, chatID int64) error
	// GiveConsent records consent, creating the resident; it reports
	// whether the consent is new.
	GiveConsent(ctx context.Context, c workflow.Consent) (*workflow.ResidentProfile, bool, error)
	// FindResidentAppeals returns a page of the resident's appeals, newest
	// first, and how many there are.
	FindResidentAppeals(ctx context.Context, residentID int64, limit, offset int) ([]*workflow.Appeal, int, error)
	// FindAppealByNumber returns the appeal with a registration number.
	FindAppealByNumber(ctx context.Context, number string) (*workflow.Appeal, error)
	// FindOpenResidentAppeals returns the resident's appeals still
	// waiting for an answer.
	FindOpenResidentAppeals(ctx context.Context, residentID int64) ([]*workflow.Appeal, error)
	// ForgetResident erases the resident's personal data, after before
	// (nil, or what else the same transaction does); it returns how many
	// appeals were erased, or not found when there is nobody to forget.
	ForgetResident(ctx context.Context, residentID int64, now time.Time, before func(ctx context.Context, tx workflow.Tx) error) (int, error)
	// FindDialog returns the dialog of a user in a chat, or not found.
	FindDialog(ctx context.Context, userID, chatID int64) (*tgstate.Dialog, error)
	// SaveDialog creates or replaces a dialog.
	SaveDialog(ctx context.Context, d *tgstate.Dialog) error
	// DeleteDialog ends a dialog.
	DeleteDialog(ctx context.Context, userID, chatID int64) error
	// StartDialog runs fn and saves the dialog next in one transaction.
	StartDialog(ctx context.Context, next *tgstate.Dialog, fn func(ctx context.Context, tx workflow.Tx) error) error
	// FinishDialog runs fn in one transaction with replacing the dialog d,
	// as it was read, by next (or deleting it when next is nil); a
	// conflict when d changed meanwhile.
	FinishDialog(ctx context.Context, d, next *tgstate.Dialog, fn func(ctx context.Context, tx workflow.Tx) error) error
}

// Dialog kinds of the resident's side (tgstate.Dialog.Kind).
const (
	dialogIntake  = "intake"           // a new appeal being written
	dialogReply   = "resident_reply"   // an answer to a staff question
	dialogComment = "resident_comment" // why the problem is not solved
)

// residentHandlers are the handlers of private chats, by endpoint.
func (b *Bot) residentHandlers() map[string]tele.HandlerFunc {
	h := map[string]tele.HandlerFunc{
		"/new":          b.consented(b.onNew),
		"/my":           b.consented(b.onMy),
		"/status":       b.consented(b.onStatus),
		"/help":         b.onHelp,
		"/privacy":      b.onPrivacy,
		"/cancel":       b.staffDialogFirst(b.consented(b.onCancel)),
		tele.OnText:     b.staffDialogFirst(b.onResidentText),
		tele.OnPhoto:    b.staffDialogFirst(b.consented(b.onResidentPhoto)),
		"/news":         b.consented(b.onNews),
		tele.OnLocation: b.consented(b.intakeOnly(b.intakeLocation)),
		tele.OnContact:  b.consented(b.intakeOnly(b.intakeContact)),

		"\fr_consent":              b.onConsent,
		"\fr_dir":                  b.consented(b.onDirectionButton),
		"\fr_in":                   b.consented(b.onIntakeButton),
		"\fr_my":                   b.consented(b.onMyPage),
		"\fr_show":                 b.consented(b.onShow),
		"\fr_wd":                   b.consented(b.onWithdraw),
		"\fr_wdy":                  b.consented(b.onWithdrawYes),
		"\fr_wdn":                  b.consented(b.onWithdrawNo),
		"\f" + uniqueForget:        b.consented(b.onForget),
		"\f" + uniqueForgetYes:     b.onForgetYes, // resident_privacy.go
		"\f" + uniqueForgetNo:      b.consented(b.onForgetNo),
		"\f" + render.UniqueAnswer: b.consented(b.onAnswerButton),
		"\fr_rsend":                b.consented(b.onReplySend),
		"\f" + render.UniqueRate:   b.consented(b.onRate),
		"\fr_solv":                 b.consented(b.onSolved),
		"\fr_cskip":                b.consented(b.onCommentSkip),
		"\f" + uniqueNews:          b.consented(b.onNewsAnswer),
		"\f" + uniqueNewsStop:      b.consented(b.onNewsStop),
	}
	// Whatever is not text, a photo, a place or a contact.
	for _, e := range []string{tele.OnSticker, tele.OnVoice, tele.OnVideo, tele.OnVideoNote,
		tele.OnDocument, tele.OnAudio, tele.OnAnimation, tele.OnMedia} {
		h[e] = b.consented(b.onResidentOther)
	}
	return h
}

// onHelp answers /help, with or without consent. The deadline it tells
// is the «message» rule of deadline_rules (without a direction); when it
// cannot be read, /help still answers, without it.
func (b *Bot) onHelp(c tele.Context) error {
	ctx := contextOf(c)
	var deadline string
	if rule, err := b.opts.Service.DeadlineRule(ctx, workflow.KindMessage, ""); err != nil {
		b.logger.WarnContext(ctx, "help: unable to read the message deadline rule", "error", err)
	} else {
		deadline = render.DeadlineText(rule)
	}
	return c.Send(render.HelpText(deadline), &tele.SendOptions{DisableWebPagePreview: true})
}

// onCancel drops the dialog in progress.
func (b *Bot) onCancel(c tele.Context, r *workflow.ResidentProfile) error {
	ctx := contextOf(c)
	d, err := b.findDialog(ctx, c)
	if err != nil {
		return b.fail(c, err)
	}
	switch {
	case d == nil:
		return c.Send(render.TextNothingToCancel, mainMenu())
	case d.Kind == dialogIntake:
		if err := b.opts.Store.DeleteDialog(ctx, d.UserID, d.ChatID); err != nil {
			return b.fail(c, err)
		}
		return c.Send(render.TextIntakeCancelled, mainMenu())
	case d.Kind == dialogReply || d.Kind == dialogComment:
		saved, err := b.dropAside(ctx, d)
		if err != nil {
			return b.fail(c, err)
		}
		text := render.TextReplyCancelled
		if saved {
			text += " " + render.TextIntakeResume
		}
		return c.Send(text, mainMenu())
	}
	return errPass
}

// mainMenu is the reply keyboard for those who do not type commands.
func mainMenu() *tele.ReplyMarkup {
	m := &tele.ReplyMarkup{ResizeKeyboard: true, IsPersistent: true}
	m.Reply(m.Row(m.Text(render.BtnMenuNew)), m.Row(m.Text(render.BtnMenuMy), m.Text(render.BtnMenuHelp)))
	return m
}

// onResidentText routes a text: the menu's buttons, then the dialog in
// progress.
func (b *Bot) onResidentText(c tele.Context) error {
	switch strings.TrimSpace(c.Text()) {
	case render.BtnMenuNew:
		return b.consented(b.onNew)(c)
	case render.BtnMenuMy:
		return b.consented(b.onMy)(c)
	case render.BtnMenuHelp:
		return b.onHelp(c)
	}
	r, err := b.resident(c)
	if r == nil {
		return b.failIf(c, err)
	}
	if strings.HasPrefix(c.Text(), "/") {
		return c.Send(render.TextMenuHint, mainMenu())
	}
	d, err := b.findDialog(contextOf(c), c)
	if err == nil {
		d, err = b.answering(c, d)
	}
	if err != nil {
		return b.fail(c, err)
	}
	switch {
	case d == nil:
		return b.intakeFromText(c, r)
	case d.Kind == dialogIntake:
		return b.intakeText(c, r, d)
	case d.Kind == dialogReply:
		return b.replyText(c, d)
	case d.Kind == dialogComment:
		return b.commentText(c, d)
	}
	return errPass
}

// onResidentPhoto routes a photo to the dialog in progress, or starts an
// appeal with it.
func (b *Bot) onResidentPhoto(c tele.Context, r *workflow.ResidentProfile) error {
	d, err := b.findDialog(contextOf(c), c)
	if err == nil {
		d, err = b.answering(c, d)
	}
	if err != nil {
		return b.fail(c, err)
	}
	switch {
	case d == nil:
		return b.intakeFromPhoto(c)
	case d.Kind == dialogIntake:
		return b.intakePhoto(c, d)
	case d.Kind == dialogReply:
		return b.replyPhoto(c, d)
	case d.Kind == dialogComment:
		return c.Send(render.TextCommentExpect)
	}
	return errPass
}

// answering returns the dialog a message belongs to: d, or the reply to a
// staff question the message quotes.
func (b *Bot) answering(c tele.Context, d *tgstate.Dialog) (*tgstate.Dialog, error) {
	reply, err := b.quotedQuestion(c, d)
	if err != nil || reply == nil {
		return d, err
	}
	return reply, nil
}

// intakeOnly returns a handler for what only the intake dialog takes (a
// place on the map, a contact): outside it the resident is told what the
// dialog in progress expects, or shown the menu.
func (b *Bot) intakeOnly(take func(c tele.Context, d *tgstate.Dialog) error) func(tele.Context, *workflow.ResidentProfile) error {
	return func(c tele.Context, _ *workflow.ResidentProfile) error {
		d, err := b.findDialog(contextOf(c), c)
		if err != nil {
			return b.fail(c, err)
		}
		switch {
		case d == nil:
			return c.Send(render.TextMenuHint, mainMenu())
		case d.Kind == dialogIntake:
			return take(c, d)
		}
		return b.dialogExpects(c, d)
	}
}

// onResidentOther answers stickers, voice, video and files kindly: it
// says what is expected and changes nothing.
func (b *Bot) onResidentOther(c tele.Context, r *workflow.ResidentProfile) error {
	d, err := b.findDialog(contextOf(c), c)
	if err != nil {
		return b.fail(c, err)
	}
	if d == nil {
		return c.Send(expectText(""), mainMenu())
	}
	return b.dialogExpects(c, d)
}

// dialogExpects tells the resident what the dialog in progress expects.
func (b *Bot) dialogExpects(c tele.Context, d *tgstate.Dialog) error {
	switch d.Kind {
	case dialogIntake:
		return c.Send(expectText(d.State))
	case dialogReply:
		return c.Send(render.TextReplyExpect)
	case dialogComment:
		return c.Send(render.TextCommentExpect)
	}
	return errPass
}

// findDialog returns the dialog of the sender in this chat, or nil.
func (b *Bot) findDialog(ctx context.Context, c tele.Context) (*tgstate.Dialog, error) {
	d, err := b.opts.Store.FindDialog(ctx, c.Sender().ID, c.Chat().ID)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return nil, nil
	}
	return d, err
}

// dialogOfKind returns the sender's dialog in this chat with its data,
// decoded into T, when it is of kind; nil when the sender has none of
// that kind.
func dialogOfKind[T any](b *Bot, c tele.Context, kind string) (*tgstate.Dialog, T, error) {
	var data T
	d, err := b.findDialog(contextOf(c), c)
	if err != nil || d == nil || d.Kind != kind {
		return nil, data, err
	}
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return nil, data, fmt.Errorf("decode %s dialog: %w", kind, err)
	}
	return d, data, nil
}

// respond answers a callback query; "" just stops the button's spinner.
func respond(c tele.Context, text string) error {
	if c.Callback() == nil {
		if text == "" {
			return nil
		}
		return c.Send(text)
	}
	err := c.Respond(&tele.CallbackResponse{Text: text})
	if err == nil || callbackExpired(err) {
		// The answer is a courtesy: a press handled late (tried again
		// from the inbox, say, or answered twice) still takes effect.
		return nil
	}
	return err
}

// callbackExpired reports whether err is Telegram refusing to answer a
// callback query that is too old (about 15 s after the press) or already
// answered: «query is too old and response timeout expired or query ID is
// invalid». Nothing can be shown to the presser any more, so it is not a
// failure of the handler.
func callbackExpired(err error) bool {
	if errors.Is(err, tele.ErrQueryTooOld) {
		return true
	}
	code, desc := delivery.TelegramError(err)
	desc = strings.ToLower(desc)
	return code == 400 && (strings.Contains(desc, "query is too old") || strings.Contains(desc, "query id is invalid") || strings.Contains(desc, "query_id_invalid"))
}

// fail tells the resident that something went wrong, in words; internal
// details go only to the log (Bot.answer).
func (b *Bot) fail(c tele.Context, err error) error {
	text := b.answer(contextOf(c), err)
	if workflow.ErrorCode(err) == workflow.EConflict {
		text = render.TextStale
	}
	return respond(c, text)
}

// failIf is fail for a non-nil error, and nil otherwise.
func (b *Bot) failIf(c tele.Context, err error) error {
	if err == nil {
		return nil
	}
	return b.fail(c, err)
}

// dropButtons removes the inline keyboard of the message whose button
// was pressed, so that it is not pressed again; a failure only costs a
// stale button, answered as such.
func (b *Bot) dropButtons(c tele.Context) {
	if c.Callback() == nil || c.Callback().Message == nil {
		return
	}
	if rc := replyOf(c); rc != nil {
		rc.dropMarkup(c.Callback().Message)
	}
}
