// What llama.cpp's jinja chat path (common/chat.cpp: common_chat_templates_init, common_chat_templates_apply_jinja,
// common_chat_template_direct_apply_impl) renders for a GGUF's tokenizer.chat_template, with llama.cpp's own Jinja
// engine (common/jinja), for checking our stored templates (gguf-chat-template.ts). node-llama-cpp does not expose this
// path (its chat wrappers render templates in JS), so this is built from the llama.cpp tree node-llama-cpp bundles:
//   git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle /tmp/llama-src
//   L=/tmp/llama-src; g++ -std=c++17 -O1 -I$L/common -I$L/vendor -I$L/ggml/include \
//     scripts/hf-check/llama_chat_render.cpp $L/common/jinja/*.cpp $L/common/json.cpp $L/common/unicode.cpp -o /tmp/llama-chat-render
// Usage: llama-chat-render TEMPLATE_FILE BOS EOS ADD_BOS(0|1) ADD_EOS(0|1) < messages.json  (prints the prompt, or
// "error: ..." and exits 1). What it keeps of chat.cpp, step by step: the template's capabilities (jinja::caps_get);
// the "system role not supported" workaround (a first system message merged into the next with "\n"); string content
// turned into typed parts for a template that takes only those; the context (messages, bos_token, eos_token,
// enable_thinking true, datetime, date_string, add_generation_prompt true); and the BOS (EOS) the vocabulary adds
// stripped from the start (end). The [TOOL_CALLS] and <|channel|> source patches of common_chat_templates_init are
// reported, not applied (neither concerns the templates checked).
#include "jinja/caps.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"
#include "jinja/runtime.h"
#include "jinja/value.h"
#include "json.h"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

extern "C" void ggml_abort(const char * file, int line, const char * fmt, ...) {
    fprintf(stderr, "abort at %s:%d (%s)\n", file, line, fmt);
    std::abort();
}

static std::string read_all(std::istream & in) {
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

static std::string format_time(const char * fmt) {
    std::time_t t = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, fmt, std::localtime(&t));
    return buf;
}

int main(int argc, char ** argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s TEMPLATE_FILE BOS EOS ADD_BOS ADD_EOS < messages.json\n", argv[0]);
        return 2;
    }
    std::ifstream tf(argv[1]);
    const std::string src = read_all(tf), bos = argv[2], eos = argv[3];
    const bool add_bos = std::string(argv[4]) == "1", add_eos = std::string(argv[5]) == "1";
    if (src.find("[TOOL_CALLS]") != std::string::npos && src.find("if (message['content'] is none or") != std::string::npos) {
        fprintf(stderr, "note: llama.cpp patches this template's [TOOL_CALLS] content check (not applied here)\n");
    }
    try {
        jinja::lexer lexer;
        auto lexed = lexer.tokenize(src);
        jinja::program prog = jinja::parse_from_tokens(lexed);
        const jinja::caps caps = jinja::caps_get(prog);
        common_json messages = common_json::parse(read_all(std::cin));
        if (!caps.supports_system_role && messages.size() > 0 && messages.front().at("role").get<std::string>() == "system") {
            fprintf(stderr, "note: the template does not take a system role: merged into the next message, as llama.cpp does\n");
            if (messages.size() > 1) {
                messages[1]["content"] = messages.front().at("content").get<std::string>() + "\n" + messages[1].at("content").get<std::string>();
            }
            messages.erase((size_t) 0);
        }
        if (!caps.supports_string_content && caps.supports_typed_content) {
            fprintf(stderr, "note: the template takes typed content only: string content given as text parts, as llama.cpp does\n");
            for (size_t i = 0; i < messages.size(); i++) {
                if (messages[i].contains("content") && messages[i].at("content").is_string()) {
                    common_json part = common_json::object();
                    part["type"] = "text";
                    part["text"] = messages[i].at("content").get<std::string>();
                    common_json parts = common_json::array();
                    parts.push_back(part);
                    messages[i]["content"] = parts;
                }
            }
        }
        common_json inp = common_json::object();
        inp["messages"] = messages;
        inp["bos_token"] = bos;
        inp["eos_token"] = eos;
        inp["enable_thinking"] = true;
        inp["datetime"] = format_time("%b %d %Y");
        inp["date_string"] = format_time("%d %b %Y");
        inp["add_generation_prompt"] = true;
        jinja::context ctx(lexed.source);
        jinja::global_from_json(ctx, inp, true);
        jinja::runtime runtime(ctx);
        const jinja::value results = runtime.execute(prog);
        std::string out = jinja::runtime::gather_string_parts(results)->as_string().str();
        if (add_bos && out.rfind(bos, 0) == 0) out = out.substr(bos.size());
        if (add_eos && out.size() >= eos.size() && out.compare(out.size() - eos.size(), eos.size(), eos) == 0) out = out.substr(0, out.size() - eos.size());
        fwrite(out.data(), 1, out.size(), stdout);
        return 0;
    } catch (const std::exception & e) {
        printf("error: %s\n", e.what());
        return 1;
    }
}
