package s3api

import (
	"net/http"
	"strconv"

	"github.com/tarnlake/tarn/internal/awsapi"
	"github.com/tarnlake/tarn/internal/lake"
)

func (a *API) createUpload(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	opts, err := putOptions(r.Header)
	if err != nil {
		return err
	}
	id, err := a.store.CreateUpload(r.Context(), bucket, key, opts)
	if err != nil {
		return err
	}
	return writeXML(w, initiateResult{NS: s3NS, Bucket: bucket, Key: key, UploadID: id})
}

func partNumber(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return 0, awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive, not %q", v)
	}
	return n, nil
}

func (a *API) uploadPart(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	q := r.URL.Query()
	n, err := partNumber(q.Get("partNumber"))
	if err != nil {
		return err
	}
	id := q.Get("uploadId")
	if r.Header.Get("X-Amz-Copy-Source") != "" {
		return a.uploadPartCopy(w, r, bucket, key, id, n)
	}
	body, size, err := payload(r, true)
	if err != nil {
		return err
	}
	p, err := a.store.UploadPart(r.Context(), bucket, key, id, n, body, size)
	if err != nil {
		return err
	}
	echoChecksums(w, r)
	w.Header().Set("ETag", quote(p.ETag))
	return nil
}

func (a *API) completeUpload(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	var req completeRequest
	if err := readXML(r.Body, 4<<20, &req); err != nil {
		return err
	}
	if len(req.Parts) == 0 {
		return awsapi.Errorf(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: no Part elements")
	}
	parts := make([]lake.Part, len(req.Parts))
	for i, p := range req.Parts {
		parts[i] = lake.Part{Number: p.PartNumber, ETag: p.ETag}
	}
	oi, err := a.store.CompleteUpload(r.Context(), bucket, key, r.URL.Query().Get("uploadId"), parts)
	if err != nil {
		return err
	}
	return writeXML(w, completeResult{NS: s3NS, Location: "/" + bucket + "/" + key, Bucket: bucket, Key: key, ETag: quote(oi.ETag)})
}

func (a *API) abortUpload(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	if err := a.store.AbortUpload(r.Context(), bucket, key, r.URL.Query().Get("uploadId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// intParam reads an optional non-negative integer query parameter.
func intParam(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, awsapi.Errorf(http.StatusBadRequest, "InvalidArgument", "%s must be a non-negative integer, not %q", name, v)
	}
	return min(n, max), nil
}

func (a *API) listParts(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	q := r.URL.Query()
	maxParts, err := intParam(r, "max-parts", 1000, 1000)
	if err != nil {
		return err
	}
	marker, err := intParam(r, "part-number-marker", 0, 10000)
	if err != nil {
		return err
	}
	parts, err := a.store.ListParts(r.Context(), bucket, key, q.Get("uploadId"))
	if err != nil {
		return err
	}
	res := listPartsResult{NS: s3NS, Bucket: bucket, Key: key, UploadID: q.Get("uploadId"),
		PartNumberMarker: marker, MaxParts: maxParts, StorageClass: "STANDARD"}
	for _, p := range parts {
		if p.Number <= marker {
			continue
		}
		if len(res.Parts) == maxParts {
			res.IsTruncated = true
			break
		}
		res.Parts = append(res.Parts, partXML{PartNumber: p.Number, LastModified: isoTime(p.LastModified), ETag: quote(p.ETag), Size: p.Size})
		res.NextPartNumberMarker = p.Number
	}
	return writeXML(w, res)
}

func (a *API) listUploads(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	q := r.URL.Query()
	maxUploads, err := intParam(r, "max-uploads", 1000, 1000)
	if err != nil {
		return err
	}
	ups, err := a.store.ListUploads(r.Context(), bucket, q.Get("prefix"))
	if err != nil {
		return err
	}
	km, im := q.Get("key-marker"), q.Get("upload-id-marker")
	res := listUploadsResult{NS: s3NS, Bucket: bucket, KeyMarker: km, UploadIDMarker: im, Prefix: q.Get("prefix"), MaxUploads: maxUploads}
	// Resume after the marker's place in the store's order (key, then
	// initiation), not after its id: ids are random.
	passed := km == ""
	for _, u := range ups {
		if !passed {
			switch {
			case u.Key < km:
				continue
			case u.Key == km && im == "":
				continue
			case u.Key == km && u.ID == im:
				passed = true
				continue
			case u.Key == km:
				continue
			}
			passed = true
		}
		if len(res.Uploads) == maxUploads {
			res.IsTruncated = true
			break
		}
		res.Uploads = append(res.Uploads, uploadXML{Key: u.Key, UploadID: u.ID, Initiated: isoTime(u.Initiated), StorageClass: "STANDARD"})
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.ID
	}
	return writeXML(w, res)
}
