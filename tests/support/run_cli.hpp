#pragma once
/// \file run_cli.hpp
/// Runs the built `adiff` binary (ADIFF_CLI_EXE) as a child process for CLI tests: stdout and
/// stderr together, the exit code (128 + signal on a crash), and a time limit so a hang fails.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace adiff_test {

struct result {
    int code = -1;  // exit code, or 128 + signal
    std::string output;  // stdout and stderr together
    bool timed_out = false;
};

#ifdef ADIFF_CLI_EXE
/// Runs `adiff args...` with `input` on stdin; kills it after `limit` seconds. With
/// `with_stderr` false, only standard output is captured (stderr goes to /dev/null).
inline result run_adiff(const std::vector<std::string>& args, const std::string& input = "", int limit = 120, bool with_stderr = true) {
    int out[2], in[2];
    REQUIRE(pipe(out) == 0);
    REQUIRE(pipe(in) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (with_stderr) dup2(out[1], 2);
        else if (const int null = open("/dev/null", O_WRONLY); null >= 0) dup2(null, 2);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        std::vector<char*> argv;
        std::string exe = ADIFF_CLI_EXE;
        argv.push_back(exe.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(exe.c_str(), argv.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (!input.empty()) (void)!write(in[1], input.data(), input.size());
    close(in[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    result r;
    const auto start = std::chrono::steady_clock::now();
    int status = 0;
    char buf[4096];
    for (;;) {
        ssize_t k;
        while ((k = read(out[0], buf, sizeof buf)) > 0) r.output.append(buf, std::size_t(k));
        const pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(limit)) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ssize_t k;
    while ((k = read(out[0], buf, sizeof buf)) > 0) r.output.append(buf, std::size_t(k));
    close(out[0]);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

#endif

/// The files temp_file made, removed when the test program exits.
struct temp_files {
    std::vector<std::string> names;
    ~temp_files() {
        for (const auto& n : names) std::remove(n.c_str());
    }
};

/// A temporary file holding `text`, passed to adiff as "@path" (for inputs too long for argv).
inline std::string temp_file(const std::string& text) {
    static temp_files made;
    char name[] = "/tmp/adiff_test_XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    made.names.emplace_back(name);
    std::ofstream(name) << text;
    return name;
}

/// True when sanitizer output is in `s`.
inline bool has_sanitizer_report(const std::string& s) {
    return s.find("Sanitizer") != std::string::npos || s.find("runtime error:") != std::string::npos;
}

}  // namespace adiff_test
