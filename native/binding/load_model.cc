#include "load_model.h"

#include <memory>
#include <string>
#include <utility>

#include "args.h"
#include "model_wrap.h"
#include "promise_worker.h"

namespace verbatim::binding {

namespace {

/** More compute threads than any machine this runs on has. */
constexpr int kMaxThreads = 4096;

class LoadModelWorker : public PromiseWorker {
 public:
  LoadModelWorker(Napi::Env env, std::string path, ModelLoadParams params)
      : PromiseWorker(env, "loadModel", ModelLease()), path_(std::move(path)), params_(params) {}

 protected:
  void Run() override { model_ = Model::Load(path_, params_); }
  Napi::Value Result(Napi::Env env) override {
    return ModelWrap::NewInstance(env, std::make_shared<ModelHandle>(std::move(model_)));
  }

 private:
  std::string path_;
  ModelLoadParams params_;
  std::unique_ptr<Model> model_;
};

}  // namespace

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  const Args args(info, "loadModel");
  std::string path = args.String(0, "path");
  if (path.empty())
    ThrowError(info.Env(), ErrorCode::kInvalidArg, "[loadModel] path must not be empty");
  ModelLoadParams params;
  params.n_threads = args.Int(1, "threads", 0, kMaxThreads);
  if (info.Length() > 2)
    params.device = args.String(2, "device");  // "cpu", "cuda", "cuda:N", "auto": checked by the engine
  if (info.Length() > 3)
    params.gpu_memory = args.String(3, "gpuMemory");  // "fast", "lean": checked by the engine
  return (new LoadModelWorker(info.Env(), std::move(path), params))->Start();
}

}  // namespace verbatim::binding
