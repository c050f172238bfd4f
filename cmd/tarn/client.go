package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// clientFlags are what the commands that talk to a running tarn share.
type clientFlags struct {
	endpoint, data string
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint", envOr("TARN_ENDPOINT", "http://127.0.0.1:9800"), "tarn's AWS endpoint")
	fs.StringVar(&c.data, "data", envOr("TARN_DATA", defaultConfig().Data), "data `folder` whose credentials to use when none are in the environment")
}

// remote is the endpoint, for errors that name it.
func (c *clientFlags) remote() remote {
	return remote{url: c.endpoint, flag: "--endpoint (TARN_ENDPOINT)"}
}

// awsConfig resolves credentials: TARN_* variables, then AWS_* variables,
// then the root credentials saved in the data folder.
func (c *clientFlags) awsConfig() (aws.Config, error) {
	id, secret := os.Getenv("TARN_ACCESS_KEY_ID"), os.Getenv("TARN_SECRET_ACCESS_KEY")
	if id == "" {
		id, secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	if id == "" {
		b, err := os.ReadFile(filepath.Join(c.data, credentialsFile))
		if err != nil {
			return aws.Config{}, fmt.Errorf("no credentials: set TARN_ACCESS_KEY_ID and TARN_SECRET_ACCESS_KEY, "+
				"or point --data (TARN_DATA) at the data folder of the tarn serve that generated them (%s has none)", c.data)
		}
		k, err := parseCredentials(b)
		if err != nil {
			return aws.Config{}, fmt.Errorf("%s: %w", filepath.Join(c.data, credentialsFile), err)
		}
		id, secret = k.ID, k.Secret
	}
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(c.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
	}, nil
}
