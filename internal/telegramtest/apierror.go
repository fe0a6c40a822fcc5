package telegramtest

import (
	"fmt"
	"net/http"
)

// apiError is an error answer of the Bot API.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
	MigrateTo   int64
}

func badRequest(description string) *apiError {
	return &apiError{Code: http.StatusBadRequest, Description: "Bad Request: " + description}
}

func badRequestf(format string, args ...any) *apiError {
	return badRequest(fmt.Sprintf(format, args...))
}

func forbidden(description string) *apiError {
	return &apiError{Code: http.StatusForbidden, Description: "Forbidden: " + description}
}

func missingParam(name string) *apiError {
	return badRequestf("parameter %q is required", name)
}

// Descriptions the server answers with. Where telebot knows a description
// (its errors.go), the text is the same byte for byte, so that telebot
// returns its own error value.
const (
	descUnauthorized      = "Unauthorized"
	descNotFound          = "Not Found"
	descMethodNotFound    = "Not Found: method not found"
	descChatNotFound      = "chat not found"
	descChatIDEmpty       = "chat_id is empty"
	descTextEmpty         = "message text is empty"
	descTooLong           = "message is too long"
	descCaptionTooLong    = "message caption is too long"
	descEditTooLong       = "MESSAGE_TOO_LONG"
	descButtonData        = "BUTTON_DATA_INVALID"
	descButtonURL         = "BUTTON_URL_INVALID"
	descTextButtons       = "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
	descMarkupJSON        = "can't parse reply keyboard markup JSON object"
	descNotModified       = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	descEditNotFound      = "message to edit not found"
	descDeleteNotFound    = "message to delete not found"
	descReplyNotFound     = "message to be replied not found"
	descCantEdit          = "message can't be edited"
	descNoTextToEdit      = "there is no text in the message to edit"
	descNoCaptionToEdit   = "there is no caption in the message to edit"
	descMessageIDMissing  = "message identifier is not specified"
	descThreadNotFound    = "message thread not found"
	descQueryTooOld       = "query is too old and response timeout expired or query ID is invalid"
	descWrongFileID       = "wrong file identifier/HTTP URL specified"
	descInvalidFileID     = "invalid file_id"
	descAlbumTooBig       = "Too much messages to send as an album"
	descAlbumMixed        = "can't use the media of the specified type in the album"
	descGroupMigrated     = "group chat was upgraded to a supergroup chat"
	descBotCommand        = "BOT_COMMAND_INVALID"
	descWrongAction       = "wrong parameter action in request"
	descBlockedByUser     = "bot was blocked by the user"
	descNotStarted        = "bot can't initiate conversation with a user"
	descKickedGroup       = "bot was kicked from the group chat"
	descKickedSupergroup  = "bot was kicked from the supergroup chat"
	descNotChannelMember  = "bot is not a member of the channel chat"
	descWebhookConflict   = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	descPollConflict      = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	descJSONObject        = "JSON object expected"
	descRequestTooLarge   = "Request Entity Too Large"
	descBadWebhookURL     = "bad webhook: An HTTPS URL must be provided for webhook"
	descInlineUnsupported = "MESSAGE_ID_INVALID"
	descSecretTooLong     = "secret token is too long"
	descSecretChars       = "secret token contains unallowed characters"
)

// defaultDescription is the description a fault with this code carries when
// the test gives none.
func defaultDescription(code, retryAfter int) string {
	switch code {
	case http.StatusTooManyRequests:
		return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	case http.StatusBadRequest:
		return "Bad Request"
	case http.StatusUnauthorized:
		return descUnauthorized
	case http.StatusForbidden:
		return "Forbidden: " + descBlockedByUser
	case http.StatusNotFound:
		return descNotFound
	case http.StatusConflict:
		return descPollConflict
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return fmt.Sprintf("Error %d", code)
}
