package telegramtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/gif" // DecodeConfig of uploaded GIFs
	"image/jpeg"
	_ "image/png" // DecodeConfig of uploaded PNGs
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// storedFile is a file the server holds: uploaded by the bot or made up for
// something a user sent.
type storedFile struct {
	file  File
	data  []byte
	mime  string
	kind  string      // "Photo", "Document", "Sticker", "Voice"
	photo []PhotoSize // for a photo: all its sizes
	doc   *Document
}

// File id prefixes look like Telegram's, so that logs read naturally.
var fileIDPrefix = map[string]string{
	"Photo":    "AgACAgIAAxkBAAI",
	"Document": "BQACAgIAAxkBAAI",
	"Sticker":  "CAACAgIAAxkBAAI",
	"Voice":    "AwACAgIAAxkBAAI",
}

var fileDir = map[string]string{
	"Photo":    "photos",
	"Document": "documents",
	"Sticker":  "stickers",
	"Voice":    "voice",
}

// newFileLocked stores data as a new file of the given kind.
func (s *Server) newFileLocked(kind, ext string, data []byte, mimeType string) *storedFile {
	n := s.nextSeq()
	tag := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "telegramtest:%08d", n))
	f := &storedFile{
		file: File{
			FileID:       fileIDPrefix[kind] + tag,
			FileUniqueID: "AQAD" + base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "u%06d", n)),
			FileSize:     len(data),
			FilePath:     fmt.Sprintf("%s/file_%d.%s", fileDir[kind], n, ext),
		},
		data: bytes.Clone(data),
		mime: mimeType,
		kind: kind,
	}
	s.files[f.file.FileID] = f
	s.filePaths[f.file.FilePath] = f
	return f
}

// photoSizes are the sizes of a made-up photo, smallest first, as Telegram
// lists them.
var photoSizes = []struct{ w, h int }{{90, 68}, {320, 240}, {800, 600}}

// newPhotoLocked stores a photo and returns its sizes. Without data it
// makes a JPEG for each size; with data (an upload) it keeps the bytes as
// the largest size and adds a thumbnail entry with the same bytes.
func (s *Server) newPhotoLocked(data []byte) []PhotoSize {
	var sizes []PhotoSize
	var files []*storedFile
	add := func(w, h int, data []byte) {
		f := s.newFileLocked("Photo", "jpg", data, "image/jpeg")
		files = append(files, f)
		sizes = append(sizes, PhotoSize{FileID: f.file.FileID, FileUniqueID: f.file.FileUniqueID, Width: w, Height: h, FileSize: len(data)})
	}
	if data == nil {
		n := s.nextSeq()
		for i, size := range photoSizes {
			add(size.w, size.h, madeUpJPEG(i, n))
		}
	} else {
		w, h := 800, 600
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
			w, h = cfg.Width, cfg.Height
		}
		if w > 320 || h > 320 {
			tw, th := 320, max(1, h*320/w)
			if h > w {
				tw, th = max(1, w*320/h), 320
			}
			add(tw, th, data)
		}
		add(w, h, data)
	}
	for _, f := range files {
		f.photo = sizes
	}
	return slices.Clone(sizes)
}

// plainJPEGs are the encoded images of photoSizes, made once.
var plainJPEGs = sync.OnceValue(func() [][]byte {
	out := make([][]byte, len(photoSizes))
	for i, size := range photoSizes {
		out[i] = drawJPEG(size.w, size.h, uint8(40*i))
	}
	return out
})

// madeUpJPEG returns a real JPEG of photoSizes[size], made unique by a
// comment segment naming photo n: different photos have different bytes,
// and code that decodes them works.
func madeUpJPEG(size, n int) []byte {
	plain := plainJPEGs()[size]
	comment := fmt.Appendf(nil, "telegramtest photo %d", n)
	out := make([]byte, 0, len(plain)+len(comment)+4)
	out = append(out, plain[:2]...) // SOI
	out = append(out, 0xFF, 0xFE, byte((len(comment)+2)>>8), byte(len(comment)+2))
	out = append(out, comment...)
	return append(out, plain[2:]...)
}

// drawJPEG returns a JPEG of one colour.
func drawJPEG(w, h int, shade uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = shade, 128, 255-shade, 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60}); err != nil {
		return []byte("telegramtest photo") // cannot happen with an in-memory image
	}
	return buf.Bytes()
}

// inputFile is a file parameter of a send call, resolved.
type inputFile struct {
	upload   *upload     // a new file sent in the request
	existing *storedFile // a file_id the server knows
	url      string      // an HTTP URL (Telegram would download it)
}

// resolveInputFile reads a file parameter the way the Bot API does: a
// multipart file under the field's name, "attach://<part>", an HTTP URL or a
// file_id.
func resolveInputFile(s *Server, q *request, value, field string) (inputFile, *apiError) {
	if up, ok := q.files[field]; ok && value == "" {
		return inputFile{upload: &up}, nil
	}
	switch {
	case value == "":
		return inputFile{}, badRequestf("there is no %s in the request", field)
	case strings.HasPrefix(value, "attach://"):
		up, ok := q.files[strings.TrimPrefix(value, "attach://")]
		if !ok {
			return inputFile{}, badRequest(descWrongFileID)
		}
		return inputFile{upload: &up}, nil
	case strings.HasPrefix(value, "http://") || strings.HasPrefix(value, "https://"):
		return inputFile{url: value}, nil
	}
	f := s.files[value]
	if f == nil {
		return inputFile{}, badRequest(descWrongFileID)
	}
	return inputFile{existing: f}, nil
}

// photoLocked turns an input file into the sizes of a photo message.
func (s *Server) photoLocked(in inputFile) ([]PhotoSize, *apiError) {
	switch {
	case in.upload != nil:
		return s.newPhotoLocked(in.upload.Data), nil
	case in.url != "":
		return s.newPhotoLocked(nil), nil
	case in.existing.photo == nil:
		return nil, badRequestf("can't use file of type %s as Photo", in.existing.kind)
	}
	return slices.Clone(in.existing.photo), nil
}

// documentLocked turns an input file into the document of a message.
func (s *Server) documentLocked(in inputFile, fileName string) (*Document, *apiError) {
	switch {
	case in.upload != nil:
		name := in.upload.Filename
		if fileName != "" {
			name = fileName
		}
		return s.newDocumentLocked(name, in.upload.ContentType, in.upload.Data), nil
	case in.url != "":
		name := path.Base(in.url)
		return s.newDocumentLocked(name, "", fmt.Appendf(nil, "telegramtest download of %s", in.url)), nil
	case in.existing.doc == nil:
		return nil, badRequestf("can't use file of type %s as Document", in.existing.kind)
	}
	return clonePtr(in.existing.doc), nil
}

func (s *Server) newDocumentLocked(name, mimeType string, data []byte) *Document {
	if name == "" {
		name = "document"
	}
	if mimeType == "" || mimeType == "application/octet-stream" {
		if t := mime.TypeByExtension(path.Ext(name)); t != "" {
			mimeType, _, _ = strings.Cut(t, ";")
		} else if mimeType == "" {
			mimeType = "application/octet-stream"
		}
	}
	ext := strings.TrimPrefix(path.Ext(name), ".")
	if ext == "" {
		ext = "bin"
	}
	f := s.newFileLocked("Document", ext, data, mimeType)
	f.doc = &Document{FileID: f.file.FileID, FileUniqueID: f.file.FileUniqueID, FileName: name, MimeType: mimeType, FileSize: len(data)}
	return clonePtr(f.doc)
}

func (s *Server) getFile(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := q.str("file_id")
	if id == "" {
		return nil, "", missingParam("file_id")
	}
	f := s.files[id]
	if f == nil {
		return nil, "", badRequest(descInvalidFileID)
	}
	return f.file, "", nil
}

// serveFile serves /file/bot<token>/<path>, the download of a file getFile
// returned. Downloads are recorded as calls of the method "file".
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	start := time.Now()
	token, filePath, _ := strings.Cut(rest, "/")
	call := Call{Time: start, Method: "file", Params: map[string]string{"file_path": filePath}}
	if token != s.Token {
		e := &apiError{Code: http.StatusUnauthorized, Description: descUnauthorized}
		body := errorBody(e)
		writeJSON(w, e.Code, body, 0)
		s.record(call, start, e.Code, e.Description, body)
		return
	}
	s.mu.Lock()
	f := s.filePaths[filePath]
	var data []byte
	var contentType string
	if f != nil {
		data, contentType = f.data, f.mime
	}
	s.mu.Unlock()
	if f == nil {
		e := &apiError{Code: http.StatusNotFound, Description: descNotFound}
		body := errorBody(e)
		writeJSON(w, e.Code, body, 0)
		s.record(call, start, e.Code, e.Description, body)
		return
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	s.record(call, start, http.StatusOK, "", nil)
}

// FileData returns the bytes of a file by its file_id: a photo size, a
// document, a voice note or a sticker a user sent, or a file the bot
// uploaded.
func (s *Server) FileData(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[fileID]
	if f == nil {
		return nil, false
	}
	return bytes.Clone(f.data), true
}
