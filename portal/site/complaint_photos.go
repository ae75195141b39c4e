package site

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"lcrm/complaints"
)

// photoTypes are the image types accepted (complaints.PhotoTypes), sniffed from the content,
// never trusted from the file name or the browser's Content-Type.
var photoTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range complaints.PhotoTypes {
		m[t] = true
	}
	return m
}()

// maxComplaintPhotos is how many photos the public form takes (the domain allows more for
// staff uploads).
const maxComplaintPhotos = 3

// readPhotos reads the "photos" files of a multipart form: at most maxComplaintPhotos, each
// at most complaints.MaxPhotoBytes, each a JPEG, PNG or WebP by content. The domain checks
// size and type again; checking here first names the exact problem next to the field.
// Empty file inputs are ignored. A refusal is returned as the message key to show.
func readPhotos(form *multipart.Form) ([]complaints.Photo, string, error) {
	if form == nil {
		return nil, "", nil
	}
	var files []*multipart.FileHeader
	for _, fh := range form.File["photos"] {
		if fh.Size > 0 {
			files = append(files, fh)
		}
	}
	if len(files) > maxComplaintPhotos {
		return nil, "complaint.photo_too_many", nil
	}
	photos := make([]complaints.Photo, 0, len(files))
	for _, fh := range files {
		if fh.Size > complaints.MaxPhotoBytes {
			return nil, "complaint.photo_too_big", nil
		}
		data, err := readUpload(fh)
		if err != nil {
			return nil, "", err
		}
		if len(data) > complaints.MaxPhotoBytes {
			return nil, "complaint.photo_too_big", nil
		}
		ct := http.DetectContentType(data)
		if !photoTypes[ct] {
			return nil, "complaint.photo_type", nil
		}
		photos = append(photos, complaints.Photo{Name: cleanFileName(fh.Filename), ContentType: ct, Data: data})
	}
	return photos, "", nil
}

func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("portal: open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, complaints.MaxPhotoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("portal: read upload: %w", err)
	}
	return data, nil
}

// cleanFileName keeps a short display name of an upload, without any path.
func cleanFileName(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' || name[i] == '\\' {
			name = name[i+1:]
			break
		}
	}
	r := []rune(name)
	if len(r) > 100 {
		r = r[len(r)-100:]
	}
	return string(r)
}
