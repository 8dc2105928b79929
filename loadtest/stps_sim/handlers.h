#pragma once

struct evhttp_request;

namespace stgw::stps_sim {

class Worker;

// Answers one request by path; see README.md for the endpoint list.  Runs on the worker's thread
// and always answers, at once or through an Operation.
void handle_request(Worker& worker, evhttp_request* req);

} // namespace stgw::stps_sim
