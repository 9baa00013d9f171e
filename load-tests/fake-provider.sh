#!/usr/bin/env bash
# Fixed-answer fake provider for the egress throughput phases: nginx (Debian nginx-light, with its
# echo module) on 127.0.0.1:PORT answering at once, with a unique id per request ($request_id),
# what each sender expects:
#
#   POST /{version}/{phoneNumberId}/messages        WhatsApp Cloud API  200 {"messages":[{"id":"wamid.…"}]}
#   POST /2010-04-01/Accounts/{sid}/Messages.json   Twilio              201 {"sid":"SM…","status":"queued"}
#   POST /sms/3/messages, POST /sms/2/text/advanced Infobip             200 {"messages":[{"messageId":…}]}
#   GET  /kannel/send?…&text=…                      Kannel smsc = http, system-type generic: 200 "OK id=…"
#   GET  /kannel/timed?…&text=…                     the same, its log line led by the time of the answer
#   GET  /kannel/dlr?…[&type=%d]                    Kannel's dlr-url (smsbox's delivery-report calls)
#   POST /bare                                      the bare egress baseline (same form body as Twilio)
#
# Every answered request is one line in DIR/logs/<endpoint>.log holding only the message text (the
# benchmark's unique id "lt-<tag>-…", taken from the body with a regex; never a number, a token or
# a whole body; /kannel/dlr: the status and the DLR type), so that "delivered to the provider" and
# duplicates are counted after the fact from the logs, and nothing in nginx parses JSON. The logs
# are buffered (64 KiB, flushed every 500 ms).
# WhatsApp's and /kannel/timed's lines start with the time nginx answered ($msec, seconds with
# milliseconds) and a space: bench-campaign.sh takes the delivery times from them.
#
# Usage: fake-provider.sh DIR PORT [WORKERS]   writes DIR/nginx.conf, runs nginx in the foreground
# (exec: the caller's pid is nginx's master; stop it with SIGTERM).
set -euo pipefail
dir=$1
port=$2
workers=${3:-1}
mkdir -p "$dir/logs" "$dir/tmp"
dir=$(cd "$dir" && pwd)
module=/usr/lib/nginx/modules/ngx_http_echo_module.so
[ -f "$module" ] || { echo "fake-provider: $module missing (apt-get install nginx-light)" >&2; exit 1; }

cat >"$dir/nginx.conf" <<EOF
load_module $module;
daemon off;
master_process on;
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_buffer_size 64k;
  client_body_in_single_buffer on;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server_tokens off;

  # The message text only: Twilio's and the bare baseline's form field Body, WhatsApp's
  # "body", Infobip's "text" (first message of a request), Kannel's text query parameter.
  map \$request_body \$form_text { "~(^|&)Body=(?<t>[^&]*)" \$t; default "-"; }
  map \$request_body \$wa_text { "~\"body\" *: *\"(?<t>[^\"]*)\"" \$t; default "-"; }
  map \$request_body \$ib_text { "~\"text\" *: *\"(?<t>[^\"]*)\"" \$t; default "-"; }
  log_format form '\$form_text';
  log_format wa '\$msec \$wa_text';
  log_format ib '\$ib_text';
  log_format kannel '\$arg_text';
  log_format kannel_timed '\$msec \$arg_text';
  log_format dlr '\$status \$arg_type';

  server {
    listen 127.0.0.1:$port backlog=4096;
    location ~ ^/v[0-9.]+/[^/]+/messages\$ {
      access_log $dir/logs/whatsapp.log wa buffer=64k flush=500ms;
      echo_read_request_body;
      echo -n '{"messaging_product":"whatsapp","contacts":[{"input":"-","wa_id":"-"}],"messages":[{"id":"wamid.\$request_id"}]}';
    }
    location ~ ^/2010-04-01/Accounts/[^/]+/Messages\.json\$ {
      access_log $dir/logs/twilio.log form buffer=64k flush=500ms;
      echo_read_request_body;
      echo_status 201;
      echo -n '{"sid":"SM\$request_id","status":"queued"}';
    }
    location ~ ^/sms/(3/messages|2/text/advanced)\$ {
      access_log $dir/logs/infobip.log ib buffer=64k flush=500ms;
      echo_read_request_body;
      echo -n '{"messages":[{"messageId":"\$request_id","status":{"groupId":1,"groupName":"PENDING","id":26,"name":"PENDING_ACCEPTED"}}]}';
    }
    location = /kannel/send {
      access_log $dir/logs/kannel.log kannel buffer=64k flush=500ms;
      default_type text/plain;
      echo -n 'OK id=\$request_id';
    }
    location = /kannel/timed {
      access_log $dir/logs/kannel-timed.log kannel_timed buffer=64k flush=500ms;
      default_type text/plain;
      echo -n 'OK id=\$request_id';
    }
    location = /kannel/dlr {
      access_log $dir/logs/kannel-dlr.log dlr buffer=64k flush=500ms;
      default_type text/plain;
      echo -n 'OK';
    }
    location = /bare {
      access_log $dir/logs/bare.log form buffer=64k flush=500ms;
      echo_read_request_body;
      echo_status 202;
      echo -n '{"sid":"SM\$request_id"}';
    }
    location = /health { echo -n 'ok'; }
    location / { return 404 '{"error":"no such fake endpoint"}'; }
  }
}
EOF
exec /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf"
